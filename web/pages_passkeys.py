"""Passkeys in the portal: signing in with one from the sign-in page, and
adding or removing one from « Sécurité ».

Only the ceremony needs JavaScript (``static/passkeys.js``): it fetches or
reads the options, asks the browser's authenticator, and sends the answer in
an ordinary CSRF-protected form. Everything else is plain forms: the name and
the password before a registration, the password before a removal. The
ceremony's token waits in a five-minute HttpOnly cookie. A sign-in goes the
way of a password's (``pages_login.sign_in``): the device cookie, new terms,
and back to a single sign-on client when the page carried ``next``.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from application.french_time import french_moment
from application.passkey_ceremonies import CEREMONY_TTL
from application.passkeys import CeremonyStart
from application.ports import Session
from web.oidc_return import on_the_way, safe_next
from web.pages_common import call, message, origin, page, person_page, redirect, refused_form, render, required
from web.pages_login import DEVICE_COOKIE, remember_device, sign_in
from web.proof_forms import ProofForm, proven
from web.requests import sign_in_device
from web.security import checked_form, delete_cookie, read_cookie, set_cookie
from web.use_cases import services

CEREMONY_COOKIE = "cle-d-acces"
ADD_PAGE, REMOVE_PAGE = "passkey_add.html", "passkey_remove.html"
PASSWORD_FIELDS = {"invalid_credentials": "password", "too_many_attempts": "password"}
REMOVAL = ProofForm(
    REMOVE_PAGE, {"password": "Indiquez votre mot de passe."}, PASSWORD_FIELDS, "/profil/securite?info=cle-supprimee"
)
SIGN_IN_FIELDS = {"invalid_passkey": "form", "too_many_attempts": "form"}
NAME_HINT = "Le nom qui vous la fera reconnaître, par exemple « Téléphone de Camille »."


def with_ceremony(response: Response, request: Request, start: CeremonyStart) -> Response:
    set_cookie(response, request, CEREMONY_COOKIE, start.token, max_age=int(CEREMONY_TTL.total_seconds()))
    return response


def ceremony_spent(response: Response, request: Request) -> Response:
    """A ceremony serves once: its cookie goes with the answer it carried."""
    delete_cookie(response, request, CEREMONY_COOKIE)
    return response


async def passkeys_shown(request: Request, session: Session) -> list[dict[str, Any]]:
    """The person's passkeys as « Sécurité » shows them, dates in French."""
    listed: list[dict[str, Any]] = await call(services(request).passkeys.listed, session.identity_id)
    return [
        {
            **p, "added": french_moment(p["registered_at"]),
            "used": french_moment(p["last_used_at"]) if p["last_used_at"] else "",
        }
        for p in listed
    ]


# -- sign-in ------------------------------------------------------------------------


@page
async def sign_in_options(request: Request) -> Response:
    """The options of a new sign-in ceremony, as JSON for the script."""
    start = await call(services(request).passkeys.start_sign_in)
    return with_ceremony(Response(start.options, media_type="application/json"), request, start)


@page
async def sign_in_submit(request: Request) -> Response:
    form = await checked_form(request)
    next_path = safe_next(form.get("next"))
    device_key = read_cookie(request, DEVICE_COOKIE) or secrets.token_urlsafe(32)
    signed = await sign_in(
        request, next_path, services(request).passkeys.sign_in, read_cookie(request, CEREMONY_COOKIE),
        form.get("credential", ""), origin(request), True, sign_in_device(request, device_key),
    )
    if isinstance(signed, Refused):
        refused = refused_form(request, "login.html", signed, SIGN_IN_FIELDS, next=next_path)
        return ceremony_spent(await on_the_way(request, refused, next_path), request)
    return ceremony_spent(remember_device(request, signed, device_key), request)


# -- adding one ---------------------------------------------------------------------


@person_page
async def add_page(request: Request, session: Session) -> Response:
    return render(request, ADD_PAGE, name_hint=NAME_HINT)


@person_page
async def add_submit(request: Request, session: Session) -> Response:
    """The name and the password: then the page that runs the ceremony."""
    form = await checked_form(request)
    values = {"name": form.get("name", "")}
    errors = required(form, {"name": "Donnez un nom à cette clé d'accès.", "password": "Indiquez votre mot de passe."})
    if errors:
        return render(request, ADD_PAGE, 422, errors=errors, values=values, name_hint=NAME_HINT)
    try:
        start = await call(
            services(request).passkeys.start_registration, session.identity_id, form.get("password", ""),
            form.get("name", ""), origin(request),
        )
    except Refused as refusal:
        return refused_form(request, ADD_PAGE, refusal, PASSWORD_FIELDS, values=values, name_hint=NAME_HINT)
    ceremony = render(request, "passkey_create.html", options=start.options, passkey_name=form.get("name", "").strip())
    return with_ceremony(ceremony, request, start)


@person_page
async def create_submit(request: Request, session: Session) -> Response:
    """The authenticator's answer: the passkey is the person's."""
    form = await checked_form(request)
    try:
        await call(
            services(request).passkeys.finish_registration, session.identity_id, read_cookie(request, CEREMONY_COOKIE),
            form.get("credential", ""), form.get("name", ""),
        )
    except Refused as refusal:
        failed = message(
            request, "Clé d'accès non enregistrée", refusal.message, 400, link="/profil/securite/cle-d-acces",
            link_text="Recommencer",
        )
        return ceremony_spent(failed, request)
    return ceremony_spent(redirect("/profil/securite?info=cle-ajoutee"), request)


# -- removing one -------------------------------------------------------------------


def not_found(request: Request) -> Response:
    return message(
        request, "Clé d'accès introuvable", "Cette clé d'accès n'existe pas ou a déjà été supprimée.", 404,
        link="/profil/securite", link_text="Sécurité",
    )


async def shown_passkey(request: Request, session: Session, passkey_id: str) -> dict[str, Any] | None:
    return next((p for p in await passkeys_shown(request, session) if p["id"] == passkey_id), None)


@person_page
async def remove_page(request: Request, session: Session) -> Response:
    passkey = await shown_passkey(request, session, request.query_params.get("cle", ""))
    return render(request, REMOVE_PAGE, passkey=passkey) if passkey else not_found(request)


@person_page
async def remove_submit(request: Request, session: Session) -> Response:
    """Behind the password, like every change of a credential."""
    form = await checked_form(request)
    passkey = await shown_passkey(request, session, form.get("cle", ""))
    if passkey is None:
        return not_found(request)
    return await proven(
        request, REMOVAL, form,
        lambda: call(
            services(request).passkeys.remove, session.identity_id, passkey["id"], form.get("password", ""),
            origin(request),
        ),
        special=lambda refusal: not_found(request) if refusal.code == "not_found" else None,
        passkey=passkey,
    )


routes = [
    Route("/login/cle-d-acces/options", sign_in_options, methods=["POST"]),
    Route("/login/cle-d-acces", sign_in_submit, methods=["POST"]),
    Route("/profil/securite/cle-d-acces", add_page, methods=["GET"]),
    Route("/profil/securite/cle-d-acces", add_submit, methods=["POST"]),
    Route("/profil/securite/cle-d-acces/enregistrer", create_submit, methods=["POST"]),
    Route("/profil/securite/cle-d-acces/supprimer", remove_page, methods=["GET"]),
    Route("/profil/securite/cle-d-acces/supprimer", remove_submit, methods=["POST"]),
]
