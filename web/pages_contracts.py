"""The person's contracts (seed 004): the space of the contract shown, the
list with « Changement de bien » and the default contract, and linking another
contract with its provisional credentials while logged in.

Which contract is shown is a display choice of this browser (a cookie); the
default contract, shown at each login, is the person's, kept by the use case.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.ports import Session
from domain.agency_account import ROLES as CONTRACT_ROLES
from web.pages_activation import PROVISIONAL
from web.pages_common import (
    agency_codes,
    call,
    kept,
    origin,
    person_page,
    redirect,
    refused_form,
    render,
    required,
    services,
)
from web.pages_security import sessions_shown
from web.security import checked_form, read_cookie, set_cookie

SHOWN_COOKIE = "bien"
# The contract roles (domain.agency_account.ROLES) in words, in their order.
ROLES = dict(zip(CONTRACT_ROLES, ("Locataire", "Propriétaire", "Copropriétaire"), strict=True))
LINK_FIELDS = {"invalid_credentials": "form"}  # which of the four was wrong is not told


async def profile_of(request: Request, session: Session) -> dict[str, Any]:
    profile: dict[str, Any] = await call(services(request).sessions.me, session)
    return profile


def shown(request: Request, profile: dict[str, Any]) -> dict[str, Any] | None:
    """The contract on display: this browser's choice, else the default one, else the first."""
    listed: list[dict[str, Any]] = profile["accounts"]
    accounts = {a["id"]: a for a in listed}
    for choice in (read_cookie(request, SHOWN_COOKIE), profile.get("default_account")):
        if choice in accounts:
            return accounts[choice]
    return listed[0] if listed else None


async def contracts_context(request: Request, session: Session) -> dict[str, Any]:
    profile = await profile_of(request, session)
    return {"profile": profile, "shown": shown(request, profile), "roles": ROLES}


@person_page
async def space_page(request: Request, session: Session) -> Response:
    sessions = await sessions_shown(request, session)  # newest first: the last sign-in to the account
    return render(
        request,
        "space.html",
        last_sign_in=sessions[0] if sessions else None,
        **await contracts_context(request, session),
    )


@person_page
async def contracts_page(request: Request, session: Session) -> Response:
    context = await contracts_context(request, session)
    linked = request.query_params.get("bien", "")
    if request.query_params.get("info") == "rattache" and linked in {a["id"] for a in context["profile"]["accounts"]}:
        label = await call(services(request).directory.account_label, linked)
        context["notice"] = f"Contrat {label} rattaché à votre compte."
    return render(request, "contracts.html", **context)


@person_page
async def show_submit(request: Request, session: Session) -> Response:
    """« Changement de bien »: show another of the person's contracts."""
    form = await checked_form(request)
    profile = await profile_of(request, session)
    account = form.get("account", "")
    if account not in {a["id"] for a in profile["accounts"]}:
        return redirect("/biens")
    response = redirect("/espace")
    set_cookie(response, request, SHOWN_COOKIE, account)
    return response


@person_page
async def default_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    try:
        await call(
            services(request).account_settings.choose_default_account, session.identity_id, form.get("account", "")
        )
    except Refused as refusal:
        return refused_form(request, "contracts.html", refusal, {}, **await contracts_context(request, session))
    return redirect("/biens?info=defaut")


@person_page
async def link_page(request: Request, session: Session) -> Response:
    return render(request, "link_contract.html")


@person_page
async def link_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    values, codes = kept(form, "client", "societe", "login_id"), agency_codes(form)
    missing = required(form, PROVISIONAL)
    if missing:
        return render(request, "link_contract.html", 422, errors=missing, values=values, codes=codes)
    fields = [form.get(name, "").strip() for name in ("client", "societe", "login_id", "provisional_password")]
    try:
        linked = await call(services(request).fusion.link_from_session, session.identity_id, *fields, origin(request))
    except Refused as refusal:
        return refused_form(request, "link_contract.html", refusal, LINK_FIELDS, values=values, codes=codes)
    return redirect(f"/biens?info=rattache&bien={linked['id']}")  # the notice names the contract


routes = [
    Route("/espace", space_page, methods=["GET"]),
    Route("/biens", contracts_page, methods=["GET"]),
    Route("/biens/afficher", show_submit, methods=["POST"]),
    Route("/biens/defaut", default_submit, methods=["POST"]),
    Route("/biens/ajouter", link_page, methods=["GET"]),
    Route("/biens/ajouter", link_submit, methods=["POST"]),
]
