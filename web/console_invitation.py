"""The console invitation page (``/console/invitation?token=...``, the link
``sesame staff add --email`` mails): the new member chooses a password, with
the people's policy checked live as they type; then the two-step set-up.

Opening the page never uses the invitation (mail scanners open links);
choosing the password does, and opens the console session the set-up runs in.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from domain.staff import StaffMember
from web.console_gate import TWO_STEP_SETUP, console_form, console_message, refused_console_form, render_console
from web.console_sign_in import open_console_session
from web.pages_common import call, origin, redirect
from web.pages_password import password_context
from web.security import checked_form
from web.use_cases import services

PAGE = "console/invitation.html"
FIELDS = {"weak_password": "password", "password_mismatch": "password_confirmation"}


def form_context(request: Request, invited: StaffMember, token: str, unmet: Any = None) -> dict[str, Any]:
    context = password_context(services(request).passwords, unmet, [invited.email or "", invited.name])
    return {"invited": invited, "token": token, **context}


def no_longer_valid(request: Request, refusal: Refused) -> Response:
    text = f"{refusal.message} Demandez une nouvelle invitation à l'administrateur de Sésame."
    status = 400 if refusal.code == "invalid_token" else 429
    return console_message(
        request, "Invitation plus valable", text, status, link="/console", link_text="Connexion à la console"
    )


@console_form
async def invitation_page(request: Request) -> Response:
    token = request.query_params.get("token", "")
    try:
        invited = await call(services(request).console.invitations.open, token, origin(request))
    except Refused as refusal:
        return no_longer_valid(request, refusal)
    return render_console(request, PAGE, **form_context(request, invited, token))


@console_form
async def invitation_submit(request: Request) -> Response:
    form = await checked_form(request)
    token = form.get("token", "")
    invitations = services(request).console.invitations
    try:
        session = await call(
            invitations.accept, token, form.get("password", ""), form.get("password_confirmation", ""), origin(request)
        )
    except Refused as refusal:
        if refusal.code not in FIELDS:
            return no_longer_valid(request, refusal)
        invited = await call(invitations.open, token, origin(request))
        context = form_context(request, invited, token, refusal.details.get("criteria"))
        return refused_console_form(request, PAGE, refusal, FIELDS, **context)
    return await open_console_session(request, redirect(TWO_STEP_SETUP), session)


routes = [
    Route("/console/invitation", invitation_page, methods=["GET"]),
    Route("/console/invitation", invitation_submit, methods=["POST"]),
]
