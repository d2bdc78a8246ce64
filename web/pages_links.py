"""The pages emailed links open (CONTRACT.md's fixed addresses).

Mail scanners and link previews open links too, so a GET only shows a form
carrying the token; the person's submit consumes it (OWASP ASVS 5.0 V6.4).
The pages send no Referer (security headers), so the token in their address
leaks to no other site.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.pages_common import Handler, call, message, origin, page, refused_form, render, services
from web.pages_password import password_context
from web.security import checked_form

TOKEN_FIELDS = {"invalid_token": "form", "email_taken": "form"}


def link_page(template: str, context: Callable[[Request], dict[str, Any]] = lambda _: {}) -> Handler:
    """The link's landing page: a form carrying the token, nothing consumed."""

    @page
    async def endpoint(request: Request) -> Response:
        return render(request, template, token=request.query_params.get("token", ""), **context(request))

    return endpoint


def confirming(
    template: str, use_case: Callable[[Request], Callable[..., Any]], done: Callable[[Request, Any], Response]
) -> Handler:
    """A submit that hands the token to its use case: the result page, or the
    same form with the reason the link no longer works."""

    @page
    async def endpoint(request: Request) -> Response:
        form = await checked_form(request)
        token = form.get("token", "")
        try:
            result = await call(use_case(request), token, origin(request))
        except Refused as refusal:
            return refused_form(request, template, refusal, TOKEN_FIELDS, token=token)
        return done(request, result)

    return endpoint


def verified(request: Request, result: dict[str, str]) -> Response:
    return message(
        request, "Adresse email validée",
        f"Votre compte est activé. Connectez-vous avec {result['email']} et le mot de passe que vous avez choisi.",
        link="/login", link_text="Me connecter", success=True,
    )


def email_changed(request: Request, result: dict[str, str]) -> Response:
    return message(
        request, "Nouvelle adresse confirmée",
        f"Votre adresse de connexion est désormais {result['email']}.",
        link="/login", link_text="Me connecter", success=True,
    )


RESET_FIELDS = {"weak_password": "password", "password_mismatch": "password_confirmation", "invalid_token": "form"}


@page
async def reset_submit(request: Request) -> Response:
    form = await checked_form(request)
    token = form.get("token", "")
    try:
        await call(
            services(request).password_reset.confirm, token, form.get("password", ""),
            form.get("password_confirmation", ""), origin(request),
        )
    except Refused as refusal:
        return refused_form(
            request, "reset_password.html", refusal, RESET_FIELDS, token=token,
            **password_context(services(request).passwords, refusal.details.get("criteria")),
        )
    return message(
        request, "Mot de passe réinitialisé",
        "Votre mot de passe a bien été mis à jour. Par sécurité, toutes vos sessions ont été fermées : "
        "connectez-vous avec votre nouveau mot de passe.",
        link="/login", link_text="Me connecter", success=True,
    )


routes = [
    Route("/verify-email", link_page("verify_email.html"), methods=["GET"]),
    Route(
        "/verify-email",
        confirming("verify_email.html", lambda r: services(r).activation.verify_email, verified),
        methods=["POST"],
    ),
    Route("/confirm-email", link_page("confirm_email.html"), methods=["GET"]),
    Route(
        "/confirm-email",
        confirming("confirm_email.html", lambda r: services(r).account_settings.confirm_email_change, email_changed),
        methods=["POST"],
    ),
    Route(
        "/reset-password",
        link_page("reset_password.html", lambda r: password_context(services(r).passwords)),
        methods=["GET"],
    ),
    Route("/reset-password", reset_submit, methods=["POST"]),
]
