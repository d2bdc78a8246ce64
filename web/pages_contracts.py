"""The person's « biens » (seed 004): the space of the one shown, « Mes biens »
to switch and choose the default one, and linking another with its
provisional credentials while logged in.

A contract is named as the person knows it (application/contract_names.py):
its property and its agency, with the agency's logo and colour when it set
them. Which one is shown is a display choice of this browser (a cookie); the
default one, shown at each login, is the person's, kept by the use case.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.agencies import Look
from application.contract_names import ROLES, ContractName, name_contract
from application.errors import Refused
from application.ports import Session
from web.pages_activation import PROVISIONAL
from web.pages_common import agency_codes, call, kept, origin, person_page, redirect, refused_form, render, required
from web.pages_security import sessions_shown
from web.security import checked_form, read_cookie, set_cookie
from web.use_cases import services

SHOWN_COOKIE = "bien"
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


async def named_contracts(request: Request, contracts: list[dict[str, Any]]) -> dict[str, Any]:
    """What a page needs to name ``contracts``: ``names`` and ``looks`` by
    contract id, and ``looks`` of the agencies whose colours the page uses."""
    agencies = services(request).agencies
    names: dict[str, ContractName] = {}
    looks: dict[str, Look | None] = {}
    for c in contracts:
        look = await call(agencies.look, c["client_code"], c["company_code"])
        looks[c["id"]] = look
        names[c["id"]] = name_contract(c, look.name if look else "")
    distinct = {look.key: look for look in looks.values() if look is not None}
    return {"names": names, "agency_looks": looks, "looks": list(distinct.values()), "roles": ROLES}


async def contracts_context(request: Request, session: Session) -> dict[str, Any]:
    profile = await profile_of(request, session)
    names = await named_contracts(request, profile["accounts"])
    context = {"profile": profile, "shown": shown(request, profile), **names}
    notice = named_notice(request, context)
    return {**context, "notice": notice} if notice else context


def named_notice(request: Request, context: dict[str, Any]) -> str | None:
    """« Vous consultez : … » after a switch, « Bien rattaché : … » after a link."""
    words = {"consulte": "Vous consultez : {}.", "rattache": "Bien rattaché à votre compte : {}."}.get(
        request.query_params.get("info", "")
    )
    chosen = request.query_params.get("bien") or (context["shown"] or {}).get("id")
    name = context["names"].get(chosen)
    return words.format(name.label) if words and name else None


@person_page
async def space_page(request: Request, session: Session) -> Response:
    sessions = await sessions_shown(request, session)  # newest first: the last sign-in to the account
    context = await contracts_context(request, session)
    return render(request, "space.html", last_sign_in=sessions[0] if sessions else None, **context)


@person_page
async def contracts_page(request: Request, session: Session) -> Response:
    return render(request, "contracts.html", **await contracts_context(request, session))


@person_page
async def show_submit(request: Request, session: Session) -> Response:
    """« Consulter ce bien »: show another of the person's contracts, and say which."""
    form = await checked_form(request)
    profile = await profile_of(request, session)
    account = form.get("account", "")
    if account not in {a["id"] for a in profile["accounts"]}:
        return redirect("/biens")
    response = redirect("/espace?info=consulte")
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
