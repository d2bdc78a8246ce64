"""The person's GDPR rights from the profile (privacy policy §4): their data
as a printable French page (access) or a JSON file (portability), and
deleting their account (erasure): the same use cases as ``GET /me/export``
and ``DELETE /me``."""

from __future__ import annotations

import json

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.contract_names import ROLES
from application.errors import Refused
from application.ports import Session
from web.pages_common import (
    SESSION_COOKIE,
    call,
    message,
    origin,
    person_page,
    refused_form,
    render,
    required,
    signed_out,
)
from web.security import checked_form, delete_cookie
from web.use_cases import services

DELETE_FIELDS = {"invalid_credentials": "password", "too_many_attempts": "password"}


@person_page
async def download(request: Request, session: Session) -> Response:
    document = await call(services(request).export.export, session.identity_id)
    return Response(
        json.dumps(document, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": 'attachment; filename="mes-donnees-mon-compte-immobilier.json"'},
    )


@person_page
async def readable(request: Request, session: Session) -> Response:
    """The same document as the download, in words a person reads and prints."""
    document = await call(services(request).export.export, session.identity_id)
    return render(request, "my_data.html", data=document, roles=ROLES)


@person_page
async def delete_page(request: Request, session: Session) -> Response:
    return render(request, "delete_account.html")


@person_page
async def delete_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    errors = required(form, {"password": "Indiquez votre mot de passe actuel."})
    if form.get("confirm") != "oui":
        errors["confirm"] = "Cochez la case pour confirmer la suppression."
    if errors:
        return render(request, "delete_account.html", 422, errors=errors)
    try:
        await call(services(request).erasure.erase_mine, session.identity_id, form.get("password", ""), origin(request))
    except Refused as refusal:
        return refused_form(request, "delete_account.html", refusal, DELETE_FIELDS)
    signed_out(request)
    response = message(
        request, "Compte supprimé",
        "Vos données personnelles ont été effacées et vos sessions fermées ; un email vous le confirme. Vos contrats "
        "restent connus de votre agence : avec ses identifiants provisoires, vous pourrez activer un nouveau compte.",
        link="/", link_text="Accueil",
    )
    delete_cookie(response, request, SESSION_COOKIE)
    return response


routes = [
    Route("/profil/donnees", download, methods=["GET"]),
    Route("/profil/mes-donnees", readable, methods=["GET"]),
    Route("/profil/supprimer", delete_page, methods=["GET"]),
    Route("/profil/supprimer", delete_submit, methods=["POST"]),
]
