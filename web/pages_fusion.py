"""« Je fusionne mes comptes » from the welcome screen (seed 001 §1.3, seed 004).

The person gives the email of their personal account and the provisional
credentials of the contract to add; the same use cases as an activation run
(``start`` then ``propose_email``), and the activation's fusion step asks the
account's password. An email without an account is most often a typo: the
person is told so, in a warning, and chooses between correcting the address
and creating a new account with it (never a silent switch to a new account).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.pages_activation import (
    CREDENTIAL_FIELDS,
    EMAIL_FIELDS,
    PROVISIONAL,
    credentials_refused,
    next_step,
    propose_email,
    start,
)
from web.pages_activation_state import save_state, step
from web.pages_common import agency_codes, call, form_page, kept, origin, page, redirect, render, required
from web.security import checked_form
from web.use_cases import services

TEMPLATE = "fusion.html"
FIELDS = {"email": "Indiquez l'adresse email de votre compte personnel.", **PROVISIONAL}


@page
async def fusion_submit(request: Request) -> Response:
    form = await checked_form(request)
    email = form.get("email", "").strip()
    missing = required(form, FIELDS)
    if missing:
        values = kept(form, "email", "client", "societe", "login_id")
        return render(request, TEMPLATE, 422, errors=missing, values=values, codes=agency_codes(form))
    try:
        state = await start(request, form)
        result = await call(services(request).activation.propose_email, state["token"], email, origin(request))
    except Refused as refusal:
        return credentials_refused(
            request, TEMPLATE, refusal, form, "email", fields={**CREDENTIAL_FIELDS, **EMAIL_FIELDS}
        )
    state["email"] = email
    return save_state(redirect(after_email(result["next"])), request, state)


def after_email(step: str) -> str:
    """The account's password when the address has one, else the warning."""
    return next_step(step) if step == "link" else NO_ACCOUNT


@step
async def no_account_page(request: Request, state: dict[str, Any]) -> Response:
    return render(request, "fusion_no_account.html", email=state.get("email", ""))


@step
async def no_account_submit(request: Request, state: dict[str, Any]) -> Response:
    """« Corriger l'adresse »: the corrected address, asked about like the first."""
    return await propose_email(request, state, "fusion_no_account.html", after_email, email=state.get("email", ""))


NO_ACCOUNT = "/fusion/aucun-compte"
routes = [
    Route("/fusion", form_page(TEMPLATE), methods=["GET"]),
    Route("/fusion", fusion_submit, methods=["POST"]),
    Route(NO_ACCOUNT, no_account_page, methods=["GET"]),
    Route(NO_ACCOUNT, no_account_submit, methods=["POST"]),
]
