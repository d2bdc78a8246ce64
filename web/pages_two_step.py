"""Two-step sign-in in the portal, without JavaScript: turning it on from the
profile (password, then a QR code drawn server-side as inline SVG with the
secret as text, then a first code, then the recovery codes shown once) and off
(password and a code).

The secret is shown only in the answer to the password: a page reloaded, or a
wrong first code, never shows it again (a session alone must not be enough to
read it); « Recommencer » starts over behind the password.
"""

from __future__ import annotations

import segno
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.ports import Session
from web.pages_common import call, origin, person_page, refused_form, render, required
from web.proof_forms import ProofForm, proven
from web.security import checked_form
from web.use_cases import services

PAGE = "two_step.html"
FIELDS = {"invalid_credentials": "password", "invalid_code": "code", "step_out_of_order": "form"}


def qr_svg(uri: str) -> str:
    """The otpauth URI as an inline SVG QR code (no script, no image request: CSP-safe)."""
    return str(
        segno.make(uri, error="m").svg_inline(
            scale=5,
            omitsize=True,
            svgclass="qr",
            lineclass=None,
            title="QR code à scanner avec votre application d'authentification",
        )
    )


def grouped(secret: str) -> str:
    """The secret in groups of four, as a person types it into an app."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


async def two_step_form(request: Request, session: Session, status: int = 200, **context: object) -> Response:
    on = await call(services(request).two_step.is_on, session.identity_id)
    return render(request, PAGE, status, on=on, **context)


@person_page
async def two_step_page(request: Request, session: Session) -> Response:
    return await two_step_form(request, session)


@person_page
async def enrol_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    errors = required(form, {"password": "Indiquez votre mot de passe."})
    if errors:
        return await two_step_form(request, session, 422, errors=errors)
    try:
        setup = await call(
            services(request).two_step.enrol, session.identity_id, form.get("password", ""), origin(request)
        )
    except Refused as refusal:
        return refused_form(request, PAGE, refusal, FIELDS, on=refusal.code == "step_out_of_order")
    return render(request, "two_step_setup.html", qr=qr_svg(setup["otpauth_uri"]), secret=grouped(setup["secret"]))


@person_page
async def confirm_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    errors = required(form, {"code": "Indiquez le code à 6 chiffres affiché par votre application."})
    if errors:
        return render(request, "two_step_setup.html", 422, errors=errors)
    try:
        codes = await call(
            services(request).two_step.confirm, session.identity_id, form.get("code", ""), origin(request)
        )
    except Refused as refusal:
        return refused_form(request, "two_step_setup.html", refusal, FIELDS)
    return render(request, "two_step_codes.html", codes=codes)


DISABLING = ProofForm(
    PAGE,
    {
        "password": "Indiquez votre mot de passe.",
        "code": "Indiquez un code de votre application ou un code de secours.",
    },
    FIELDS,
    "/profil?info=deux-etapes-desactivee",
)


@person_page
async def disable_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    return await proven(
        request, DISABLING, form,
        lambda: call(
            services(request).two_step.disable, session.identity_id, form.get("password", ""), form.get("code", ""),
            origin(request),
        ),
        empty=lambda errors: two_step_form(request, session, 422, errors=errors),
        on=True,
    )


routes = [
    Route("/profil/deux-etapes", two_step_page, methods=["GET"]),
    Route("/profil/deux-etapes", enrol_submit, methods=["POST"]),
    Route("/profil/deux-etapes/confirmer", confirm_submit, methods=["POST"]),
    Route("/profil/deux-etapes/desactiver", disable_submit, methods=["POST"]),
]
