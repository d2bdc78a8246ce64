"""TEMPORARY stand-in for console-auth's ``web/console_gate.py`` (same API), until
that branch is merged: the member comes from a staff API token. Deleted at the merge."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from application.errors import Refused
from domain.staff import StaffMember
from web.pages_common import HERE, call, services
from web.requests import bearer
from web.security import CSRF_FIELD, FormRefused, checked_form, csrf_token

Handler = Callable[[Request], Awaitable[Response]]
MemberHandler = Callable[[Request, StaffMember], Awaitable[Response]]


def console_context(request: Request) -> dict[str, Any]:
    member = getattr(request.state, "console_member", None)
    return {"csrf_field": CSRF_FIELD, "csrf_token": csrf_token(request), "member": member, "role_label": member.role if member else ""}


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[console_context])


def render_console(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("notice", None)
    return templates.TemplateResponse(request, name, context, status_code=status)


def console_message(request: Request, heading: str, text: str, status: int = 200, **context: Any) -> Response:
    return render_console(request, "console/message.html", status, heading=heading, text=text, **context)


def console_page(*roles: str) -> Callable[[MemberHandler], Handler]:
    def decorate(handler: MemberHandler) -> Handler:
        @wraps(handler)
        async def endpoint(request: Request) -> Response:
            try:
                if request.method == "POST":
                    await checked_form(request)
                member = await call(services(request).staff.authenticate, bearer(request), "support", "auditor", "agency")
            except FormRefused as refusal:
                return console_message(request, "Demande refusée", refusal.message, refusal.status)
            except Refused:
                return console_message(request, "Connexion requise", "Connectez-vous.", 401)
            request.state.console_member = member
            if roles and member.role not in roles:
                return console_message(request, "Accès refusé", "Votre rôle ne permet pas d'ouvrir cette page.", 403)
            return await handler(request, member)

        return endpoint

    return decorate
