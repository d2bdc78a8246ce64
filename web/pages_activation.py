"""Activation in steps (seed 001 §1.1): provisional credentials → email →
password, CGU and privacy policy → « Vérification de l'email », with resend and
« Réinitialiser l'activation »; and the fusion step when the email already has
a personal account (§1.3).

The activation token never appears in an address (``pages_activation_state``).
Each step posts, then redirects to the next page, so reloading a page never
posts twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from domain.agency_codes import canonical_code
from web.pages_activation_state import forget_state, load_state, save_state, step, step_call
from web.pages_common import (
    agency_codes,
    call,
    field_errors,
    kept,
    message,
    origin,
    page,
    redirect,
    refusal_status,
    refused_form,
    render,
    required,
)
from web.pages_password import password_context
from web.security import checked_form
from web.use_cases import services

PROVISIONAL = {
    "client": "Indiquez le code client de votre agence.",
    "societe": "Indiquez le code société de votre agence.",
    "login_id": "Indiquez votre identifiant provisoire.",
    "provisional_password": "Indiquez votre mot de passe provisoire.",
}
CODES = ("client", "societe", "login_id")
# at the top: which of the four was wrong is not told
CREDENTIAL_FIELDS = {"invalid_credentials": "form", "already_activated": "form"}


async def start(request: Request, form: dict[str, str] | Any) -> dict[str, Any]:
    """The first step's use case; the state the next steps need (the codes
    typed too, to fill step 1 in again after « Réinitialiser l'activation »)."""
    codes = {name: canonical_code(form.get(name, ""))[:64] for name in CODES}
    result = await call(
        services(request).activation.start, *codes.values(), form.get("provisional_password", "").strip(),
        origin(request),
    )
    return {
        "token": result["activation"], "holder": result["holder_name"], "suggested": result["suggested_email"] or "",
        "codes": codes,
    }


def credentials_refused(
    request: Request, template: str, refusal: Refused, form: Any, *names: str,
    fields: dict[str, str] = CREDENTIAL_FIELDS,
) -> Response:
    """A refused first step: the form again, with a way to log in when the
    contract is already active."""
    return refused_form(
        request, template, refusal, fields,
        values=kept(form, "client", "societe", "login_id", *names), codes=agency_codes(form),
        already_active=refusal.code == "already_activated",
    )


# -- step 1: provisional credentials ---------------------------------------

@page
async def credentials_page(request: Request) -> Response:
    """Step 1; after a reset, with the codes typed before (kept in the cookie, never in the address)."""
    typed = (load_state(request) or {}).get("codes", {})
    codes = agency_codes(request.query_params) if any(request.query_params.get(n) for n in ("client", "societe")) else {
        "client": typed.get("client", ""), "societe": typed.get("societe", "")
    }
    return render(request, "activation_credentials.html", values=typed, codes=codes)


@page
async def credentials_submit(request: Request) -> Response:
    form = await checked_form(request)
    missing = required(form, PROVISIONAL)
    if missing:
        values = kept(form, "client", "societe", "login_id")
        return render(
            request, "activation_credentials.html", 422, errors=missing, values=values, codes=agency_codes(form)
        )
    try:
        state = await start(request, form)
    except Refused as refusal:
        return credentials_refused(request, "activation_credentials.html", refusal, form)
    return save_state(redirect("/activation/email"), request, state)


# -- step 2: the email ------------------------------------------------------

EMAIL_FIELDS = {"invalid_email": "email", "invalid_request": "email"}


@step
async def email_page(request: Request, state: dict[str, Any]) -> Response:
    email = state.get("email") or state.get("suggested", "")
    return render(request, "activation_email.html", values={"email": email}, holder_name=state.get("holder"))


@step
async def email_submit(request: Request, state: dict[str, Any]) -> Response:
    return await propose_email(request, state, "activation_email.html", next_step, holder_name=state.get("holder"))


async def propose_email(
    request: Request, state: dict[str, Any], template: str, where_next: Callable[[str], str], **context: Any
) -> Response:
    """The activation's address step, wherever it is asked (activation, a
    corrected fusion address): refused on ``template``, else on to ``where_next``."""
    form = await checked_form(request)
    email = form.get("email", "").strip()
    try:
        result = await step_call(services(request).activation.propose_email, state["token"], email, origin(request))
    except Refused as refusal:
        return refused_form(request, template, refusal, EMAIL_FIELDS, values={"email": email}, **context)
    state["email"] = email
    return save_state(redirect(where_next(result["next"])), request, state)


def next_step(step: str) -> str:
    return "/activation/fusion" if step == "link" else "/activation/mot-de-passe"


# -- step 3: password and terms ---------------------------------------------

PASSWORD_FIELDS = {
    "weak_password": "password", "password_mismatch": "password_confirmation", "terms_not_accepted": "accept_terms",
}


def password_form(
    request: Request, state: dict[str, Any], refusal: Refused | None = None, accepted: bool = False
) -> Response:
    """The password step; after a refusal, each unmet criterion is marked and
    the terms box stays as it was ticked."""
    unmet = refusal.details.get("criteria") if refusal else None
    errors = field_errors(refusal, PASSWORD_FIELDS) if refusal else {}
    email = state.get("email", "")
    return render(
        request, "activation_password.html", refusal_status(refusal) if refusal else 200, email=email, errors=errors,
        values={"accept_terms": accepted}, **password_context(services(request).passwords, unmet, [email]),
    )


@step
async def password_page(request: Request, state: dict[str, Any]) -> Response:
    if not state.get("email"):
        return redirect("/activation/email")
    return password_form(request, state)


@step
async def password_submit(request: Request, state: dict[str, Any]) -> Response:
    form = await checked_form(request)
    accepted = form.get("accept_terms") == "oui"
    try:
        result = await step_call(
            services(request).activation.choose_password, state["token"], form.get("password", ""),
            form.get("password_confirmation", ""), accepted, origin(request),
        )
    except Refused as refusal:
        return password_form(request, state, refusal, accepted)
    state["email"] = result["email"]
    return save_state(redirect("/activation/verification"), request, state)


# -- step 4: verification, resend, reset ------------------------------------

@step
async def verification_page(request: Request, state: dict[str, Any]) -> Response:
    """The waiting page; once the link was opened meanwhile, « Adresse vérifiée » (``step``)."""
    email = await step_call(services(request).activation.waiting_for, state["token"])
    return render(request, "activation_verification.html", email=email)


@step
async def resend_submit(request: Request, state: dict[str, Any]) -> Response:
    try:
        await step_call(services(request).activation.resend, state["token"], origin(request))
    except Refused as refusal:
        return refused_form(request, "activation_verification.html", refusal, {}, email=state.get("email", ""))
    return redirect("/activation/verification?info=renvoye")


@step
async def reset_submit(request: Request, state: dict[str, Any]) -> Response:
    """Back to step 1, its codes filled in again, saying what happened."""
    await step_call(services(request).activation.reset, state["token"])
    return save_state(redirect("/activation?info=reinitialise"), request, {"codes": state.get("codes", {})})


# -- the fusion step: the email already has an account ----------------------

@step
async def link_page(request: Request, state: dict[str, Any]) -> Response:
    return render(request, "activation_link.html", email=state.get("email", ""))


@step
async def link_submit(request: Request, state: dict[str, Any]) -> Response:
    form = await checked_form(request)
    try:
        linked = await step_call(
            services(request).fusion.link_during_activation, state["token"], form.get("password", ""), origin(request)
        )
    except Refused as refusal:
        return refused_form(
            request, "activation_link.html", refusal, {"invalid_credentials": "password"}, email=state.get("email", "")
        )
    contract = await call(services(request).directory.account_label, linked["account"])
    response = message(
        request,
        "Comptes associés",
        f"Le bien « {contract} » est désormais rattaché à votre compte personnel. "
        "Connectez-vous avec votre adresse email et votre mot de passe pour retrouver tous vos contrats.",
        link="/login",
        link_text="Me connecter",
        success=True,
    )
    return forget_state(response, request)


routes = [
    Route("/activation", credentials_page, methods=["GET"]),
    Route("/activation", credentials_submit, methods=["POST"]),
    Route("/activation/email", email_page, methods=["GET"]),
    Route("/activation/email", email_submit, methods=["POST"]),
    Route("/activation/mot-de-passe", password_page, methods=["GET"]),
    Route("/activation/mot-de-passe", password_submit, methods=["POST"]),
    Route("/activation/verification", verification_page, methods=["GET"]),
    Route("/activation/renvoyer", resend_submit, methods=["POST"]),
    Route("/activation/reinitialiser", reset_submit, methods=["POST"]),
    Route("/activation/fusion", link_page, methods=["GET"]),
    Route("/activation/fusion", link_submit, methods=["POST"]),
]
