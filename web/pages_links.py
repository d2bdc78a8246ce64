"""The pages emailed links open (CONTRACT.md's fixed addresses).

Mail scanners and link previews open links too, so a GET only checks the
token and shows a form carrying it; the person's submit consumes it (OWASP
ASVS 5.0 V6.4). A dead link (used, superseded, expired, unknown) opens on its
reason and one button, never on a form that would fail once filled in.
The pages send no Referer (security headers), so the token in their address
leaks to no other site.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.pages_common import Handler, call, message, origin, page, refusal_status, refused_form, render
from web.pages_password import password_context
from web.security import checked_form
from web.use_cases import services

Check = Callable[[Request], Callable[..., Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of emailed link: its form, the use cases that check and use
    its token, and the one way on when it is dead."""

    template: str
    check: Check
    use: Check
    again: tuple[str, str]  # (address, button) of « Demander un nouveau lien »


VERIFY = Kind(
    "verify_email.html", lambda r: services(r).activation.check_verification,
    lambda r: services(r).activation.verify_email,
    ("/login?info=nouveau-lien", "Demander un nouveau lien"),
)
CONFIRM = Kind(
    "confirm_email.html", lambda r: services(r).account_settings.check_email_change,
    lambda r: services(r).account_settings.confirm_email_change, ("/profil", "Demander un nouveau lien"),
)
RESET = Kind(
    "reset_password.html", lambda r: services(r).password_reset.check, lambda r: services(r).password_reset.confirm,
    ("/mot-de-passe-oublie", "Demander un nouveau lien"),
)
DEAD_HEADINGS = {"expired": "Lien expiré", "verified": "Adresse déjà vérifiée"}


def dead_link(request: Request, kind: Kind, refusal: Refused) -> Response:
    """Only the reason and one button: a new link, or signing in when the
    address was verified already."""
    reason = refusal.details.get("reason", "")
    link, text = ("/login", "Me connecter") if reason == "verified" else kind.again
    heading = DEAD_HEADINGS.get(reason, "Lien plus valable" if refusal.code == "invalid_token" else "Demande refusée")
    response = message(request, heading, refusal.message, refusal_status(refusal), link=link, link_text=text)
    if "retry_after" in refusal.details:
        response.headers["Retry-After"] = str(refusal.details["retry_after"])
    return response


def link_page(kind: Kind, context: Callable[[Request], dict[str, Any]] = lambda _: {}) -> Handler:
    """The link's landing page: the link is checked, nothing consumed; a
    form carrying the token, or why the link is dead."""

    @page
    async def endpoint(request: Request) -> Response:
        token = request.query_params.get("token", "")
        try:
            await call(kind.check(request), token, origin(request))
        except Refused as refusal:
            return dead_link(request, kind, refusal)
        return render(request, kind.template, token=token, **context(request))

    return endpoint


def confirming(kind: Kind, done: Callable[[Request, Any], Response]) -> Handler:
    """A submit that hands the token to its use case: the result page, or
    why the link no longer works (used in another tab meanwhile)."""

    @page
    async def endpoint(request: Request) -> Response:
        form = await checked_form(request)
        try:
            result = await call(kind.use(request), form.get("token", ""), origin(request))
        except Refused as refusal:
            return dead_link(request, kind, refusal)
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
        f"Votre adresse de connexion est désormais {result['email']}. Un avis a été envoyé à votre ancienne adresse.",
        link="/login", link_text="Me connecter", success=True,
    )


RESET_FIELDS = {"weak_password": "password", "password_mismatch": "password_confirmation"}


@page
async def reset_submit(request: Request) -> Response:
    form = await checked_form(request)
    token = form.get("token", "")
    try:
        await call(
            RESET.use(request), token, form.get("password", ""), form.get("password_confirmation", ""), origin(request),
        )
    except Refused as refusal:
        if refusal.code not in RESET_FIELDS:
            return dead_link(request, RESET, refusal)
        return refused_form(
            request, RESET.template, refusal, RESET_FIELDS, token=token,
            **password_context(services(request).passwords, refusal.details.get("criteria")),
        )
    return message(
        request, "Mot de passe réinitialisé",
        "Votre mot de passe a bien été mis à jour. Par sécurité, toutes vos sessions ont été fermées : "
        "connectez-vous avec votre nouveau mot de passe.",
        link="/login", link_text="Me connecter", success=True,
    )


routes = [
    Route("/verify-email", link_page(VERIFY), methods=["GET"]),
    Route("/verify-email", confirming(VERIFY, verified), methods=["POST"]),
    Route("/confirm-email", link_page(CONFIRM), methods=["GET"]),
    Route("/confirm-email", confirming(CONFIRM, email_changed), methods=["POST"]),
    Route("/reset-password", link_page(RESET, lambda r: password_context(services(r).passwords)), methods=["GET"]),
    Route("/reset-password", reset_submit, methods=["POST"]),
]
