"""The console's one gate: every console page goes through ``console_page``.

A console page is for a member who signed in at ``/console`` (email, password
and two-step code), is still enabled, and has two-step sign-in in force; the
member's role must be one the page allows. Whoever is not signed in (or whose
session ended: 15 minutes unused, 8 hours, logout, member disabled) is sent
to the sign-in page, which brings them back afterwards; a member who has
only chosen a password is sent to the two-step set-up, the one thing their
session may do. A POST's CSRF token is checked before anything else runs.

Usage (the handler gets the ``StaffMember``: ``id``, ``name``, ``role``,
``client_code`` / ``company_code`` for an agency, ``Staff.scope(member)``)::

    @console_page("support", "agency")          # no roles: every role
    async def search(request: Request, member: StaffMember) -> Response:
        return render_console(request, "console/search.html", results=...)

Templates extend ``console/base.html`` (header with the member's name and
role, « Déconnexion », the nav); ``render_console`` gives them ``member``,
``role_label`` and the CSRF field (``{{ m.csrf() }}`` of ``macros.html``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from application.errors import Refused
from domain.staff import StaffMember
from web.pages_common import HERE, NOTICES, call, field_errors, form_guard, redirect, refusal_status
from web.security import CSRF_FIELD, csrf_token, over_https
from web.use_cases import services

CONSOLE_COOKIE, CONSOLE_PATH = "console", "/console"
HOME = "/console/accueil"
TWO_STEP_SETUP = "/console/deux-etapes"
ROLE_LABELS = {"support": "Support", "auditor": "Audit", "agency": "Agence"}
CONSOLE_NOTICES = {
    **NOTICES,
    "deconnecte": "Vous êtes déconnecté de la console.",
    "expire": "Votre session de console a pris fin : reconnectez-vous.",
}

Handler = Callable[[Request], Awaitable[Response]]
MemberHandler = Callable[[Request, StaffMember], Awaitable[Response]]


def role_label(member: StaffMember) -> str:
    """« Support », « Audit », or « Agence AG1/SOC1 »."""
    label = ROLE_LABELS.get(member.role, member.role)
    return f"{label} {member.client_code}/{member.company_code}" if member.role == "agency" else label


def console_context(request: Request) -> dict[str, Any]:
    member: StaffMember | None = getattr(request.state, "console_member", None)
    return {
        "csrf_field": CSRF_FIELD,
        "csrf_token": csrf_token(request),
        "member": member,
        "role_label": role_label(member) if member else "",
    }


templates = Jinja2Templates(directory=HERE / "templates", context_processors=[console_context])


def render_console(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A console template, with ``values``, ``errors`` and ``notice`` (from ``?info=``) defaulted."""
    context.setdefault("values", {})
    context.setdefault("errors", {})
    context.setdefault("notice", CONSOLE_NOTICES.get(request.query_params.get("info", "")))
    return templates.TemplateResponse(request, name, context, status_code=status)


def refused_console_form(
    request: Request, name: str, refusal: Refused, fields: Mapping[str, str], **context: Any
) -> Response:
    """The same console form again with the refusal next to its field (see
    ``pages_common.field_errors``); a throttled answer keeps its Retry-After."""
    response = render_console(request, name, refusal_status(refusal), errors=field_errors(refusal, fields), **context)
    if "retry_after" in refusal.details:
        response.headers["Retry-After"] = str(refusal.details["retry_after"])
    return response


def console_message(request: Request, heading: str, text: str, status: int = 200, **context: Any) -> Response:
    return render_console(request, "console/message.html", status, heading=heading, text=text, **context)


# -- the session cookie: its own name, HttpOnly, SameSite=Strict, path /console ----------


def cookie_name(connection: HTTPConnection) -> str:
    """Behind HTTPS ``__Secure-`` (``__Host-`` would need path /)."""
    return f"__Secure-{CONSOLE_COOKIE}" if over_https(connection) else CONSOLE_COOKIE


def read_console_cookie(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(cookie_name(connection)) or None


def cookie_options(connection: HTTPConnection) -> dict[str, Any]:
    return {"path": CONSOLE_PATH, "secure": over_https(connection), "httponly": True, "samesite": "strict"}


def set_console_cookie(response: Response, connection: HTTPConnection, token: str) -> None:
    response.set_cookie(cookie_name(connection), token, **cookie_options(connection))


def delete_console_cookie(response: Response, connection: HTTPConnection) -> None:
    response.delete_cookie(cookie_name(connection), **cookie_options(connection))


# -- the gate -------------------------------------------------------------------------------


def sign_in_address(request: Request) -> str:
    """The sign-in page, bringing a GET back where it was going."""
    if request.method != "GET":
        return f"{CONSOLE_PATH}?info=expire"
    back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return f"{CONSOLE_PATH}?{urlencode({'next': back})}"


def safe_console_next(value: str | None) -> str | None:
    """A way back after sign-in: a console address of this site, nothing else."""
    if not value or not value.startswith(CONSOLE_PATH + "/") or "//" in value or "\\" in value or len(value) > 1000:
        return None
    return value


def console_form(handler: Handler) -> Handler:
    """A console endpoint that needs no session (sign-in, invitation): a POST's
    CSRF token is checked first (``form_guard``); a refused form is a French page."""
    return form_guard(
        lambda request, refusal: console_message(request, "Demande refusée", refusal.message, refusal.status)
    )(handler)


async def signed_in_member(request: Request) -> StaffMember | None:
    """The enabled member of the browser's console session (two-step sign-in
    in force or not), or None."""
    token = read_console_cookie(request)
    member: StaffMember | None = await call(services(request).console.sessions.current, token) if token else None
    return member


def _gated(handler: MemberHandler, roles: tuple[str, ...], enrolled: bool) -> Handler:
    @console_form
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        member = await signed_in_member(request)
        if member is None:
            response = redirect(sign_in_address(request))
            if read_console_cookie(request) is not None:
                delete_console_cookie(response, request)
            return response
        if member.two_step_on != enrolled:
            return redirect(HOME if member.two_step_on else TWO_STEP_SETUP)
        request.state.console_member = member if enrolled else None
        if roles and member.role not in roles:
            return console_message(request, "Accès refusé", "Votre rôle ne permet pas d'ouvrir cette page.", 403)
        return await handler(request, member)

    return endpoint


def console_page(*roles: str) -> Callable[[MemberHandler], Handler]:
    """A console page for members of ``roles`` (every role when none is named)."""

    def decorate(handler: MemberHandler) -> Handler:
        return _gated(handler, roles, enrolled=True)

    return decorate


def enrolment_page(handler: MemberHandler) -> Handler:
    """A page of the two-step set-up: for a signed-in member who has chosen a
    password but has no two-step sign-in yet (the others go home)."""
    return _gated(handler, (), enrolled=False)
