"""The end-session endpoint (RP-Initiated Logout 1.0) at ``/oidc/logout``.

A client sends the person here (GET, or a form POST of its own, which
carries no CSRF token of ours) to end the portal session. With an
``id_token_hint`` naming the current session the session ends at once; with
any other request the person is asked first (a CSRF-protected form), so no
site can log a person out behind their back. Ending the session ends each
sign-in made in it (``SignOuts``: back-channel logout tokens, revoked
tokens). Then the person goes to the client's registered
``post_logout_redirect_uri`` (with ``state``), or sees « Vous êtes déconnecté ».
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from application.end_session import LogoutRequest
from application.errors import Refused
from application.ports import Session
from web.oidc_return import csp_sending_to
from web.pages_common import SESSION_COOKIE, call, current_session, message, page, render
from web.pages_login import PORTAL_COOKIES
from web.security import FormRefused, bounded_body, checked_form, delete_cookie, parse_form
from web.use_cases import services

FIELDS = ("id_token_hint", "client_id", "post_logout_redirect_uri", "state")
KEPT = ("client_id", "post_logout_redirect_uri", "state")  # what the confirmation form carries on


async def end_session(request: Request) -> Response:
    try:
        params = request.query_params if request.method == "GET" else parse_form(await bounded_body(request))
        logout = await understand(request, params)
    except (Refused, FormRefused) as refusal:
        return message(request, "Déconnexion impossible", refusal.message, 400, link="/", link_text="Accueil")
    session = await current_session(request)
    if session is not None and not logout.names_session(session.identity_id, session.sid):
        return confirmation(request, logout)
    return await finish(request, session, logout)


@page
async def confirm(request: Request) -> Response:
    """The person's answer to « Vous déconnecter ? » (CSRF-checked by ``page``)."""
    form = await checked_form(request)
    try:
        logout = await understand(request, {name: form.get(name, "") for name in KEPT})
    except Refused as refusal:
        return message(request, "Déconnexion impossible", refusal.message, 400, link="/", link_text="Accueil")
    return await finish(request, await current_session(request), logout)


async def understand(request: Request, params: Mapping[str, str]) -> LogoutRequest:
    return await call(services(request).end_session.understand, {name: params.get(name, "") for name in FIELDS})


def confirmation(request: Request, logout: LogoutRequest) -> Response:
    response = render(request, "logout_confirm.html", logout=logout)
    target = logout.redirect()
    if target:  # the form's answer redirects to the client
        response.headers["content-security-policy"] = csp_sending_to(target)
    return response


async def finish(request: Request, session: Session | None, logout: LogoutRequest) -> Response:
    if session is not None:
        await call(services(request).sign_outs.remove, session.token_digest, "end_session")
    target = logout.redirect()
    if target:
        response: Response = RedirectResponse(target, status_code=303)
    else:
        response = message(
            request, "Vous êtes déconnecté",
            "Votre session sur Mon compte immobilier est fermée, ainsi que celles des applications où vous vous étiez "
            "connecté avec elle.",
            link="/", link_text="Accueil",
        )
    for name in (SESSION_COOKIE, *PORTAL_COOKIES):
        delete_cookie(response, request, name)
    return response


routes = [
    Route("/oidc/logout", end_session, methods=["GET", "POST"]),
    Route("/oidc/logout/confirmer", confirm, methods=["POST"]),
]
