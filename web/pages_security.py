"""« Sécurité » (issue 14): where the person is signed in, ending one session or
all the others, without JavaScript (CSRF-protected forms), through the same
use case as ``/me/sessions``.

Ending one session asks nothing more than the session itself; ending all the
others passes through the one throttled password proof (issue 14), so a
stolen portal session cannot lock the person's own devices out. The API's
``DELETE /me/sessions`` keeps the contract's empty body.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.french_time import french_moment
from application.ports import Session
from web.pages_common import call, message, origin, person_page, redirect, render
from web.pages_passkeys import PASSWORD_FIELDS, passkeys_shown
from web.proof_forms import ProofForm, proven
from web.security import checked_form
from web.use_cases import services


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
    return render(
        request, "security.html", sessions=sorted(sessions, key=lambda s: not s["current"]),  # this one first
        passkeys=await passkeys_shown(request, session),
    )


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


END_OTHERS = ProofForm(
    "sessions_end_others.html", {"password": "Indiquez votre mot de passe."}, PASSWORD_FIELDS,
    "/profil/securite?info=autres-fermees",
)


@person_page
async def end_others_page(request: Request, session: Session) -> Response:
    return render(request, END_OTHERS.page)


@person_page
async def end_others_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    return await proven(
        request, END_OTHERS, form,
        lambda: call(
            services(request).my_sessions.end_others_proven, session, form.get("password", ""), origin(request)
        ),
    )


routes = [
    Route("/profil/securite", security_page, methods=["GET"]),
    Route("/profil/securite/fermer", end_session_submit, methods=["POST"]),
    Route("/profil/securite/fermer-autres", end_others_page, methods=["GET"]),
    Route("/profil/securite/fermer-autres", end_others_submit, methods=["POST"]),
]
