"""« Sécurité » (issue 14): where the person is signed in, ending one session or
all the others, without JavaScript (CSRF-protected forms), through the same
use case as ``/me/sessions``.

Ending sessions asks no password: it only ever takes access away, the API's
``DELETE /me/sessions`` (the contract's) takes none either, and whoever holds
this session could use its token there; a stranger's session is best ended
by changing the password, which asks for it and ends every other session.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.french_time import french_moment
from application.ports import Session
from web.pages_common import call, message, person_page, redirect, render, services
from web.security import checked_form


async def sessions_shown(request: Request, session: Session) -> list[dict[str, Any]]:
    """The person's sessions as the pages show them, newest first, times in French."""
    sessions: list[dict[str, Any]] = await call(services(request).my_sessions.listed, session)
    return [
        {
            **s,
            "started": french_moment(s["created_at"]) if s["created_at"] else "",
            "seen": french_moment(s["last_seen_at"]) if s["last_seen_at"] else "",
        }
        for s in reversed(sessions)
    ]


@person_page
async def security_page(request: Request, session: Session) -> Response:
    sessions = await sessions_shown(request, session)
    return render(request, "security.html", sessions=sorted(sessions, key=lambda s: not s["current"]))  # this one first


@person_page
async def end_session_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    try:
        await call(services(request).my_sessions.end, session, form.get("session", ""))
    except Refused as refusal:
        return message(
            request, "Session introuvable", refusal.message, 404, link="/profil/securite", link_text="Sécurité"
        )
    return redirect("/profil/securite?info=session-fermee")


@person_page
async def end_others_submit(request: Request, session: Session) -> Response:
    await call(services(request).my_sessions.end_others, session)
    return redirect("/profil/securite?info=autres-fermees")


routes = [
    Route("/profil/securite", security_page, methods=["GET"]),
    Route("/profil/securite/fermer", end_session_submit, methods=["POST"]),
    Route("/profil/securite/fermer-autres", end_others_submit, methods=["POST"]),
]
