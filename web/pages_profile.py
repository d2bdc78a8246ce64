"""The profile's « Identifiants » block (seed 000 §2, seed 001 §C.1.2): the
email, changed behind the current password with a confirmation field, the
password, changed behind the current one; and the account's history in plain words.
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.emails import check_confirmation
from application.errors import Refused
from application.french_time import french_moment
from application.ports import Session
from web.pages_common import (
    call,
    message,
    origin,
    person_page,
    redirect,
    refusal_status,
    refused_form,
    render,
    required,
)
from web.pages_contracts import profile_of
from web.pages_password import password_context
from web.security import checked_form
from web.use_cases import services

EMAIL_FIELDS = {  # in the form's order
    "email_taken": "new_email", "invalid_email": "new_email", "email_mismatch": "new_email_confirmation",
    "invalid_credentials": "password", "too_many_attempts": "password",
}
PASSWORD_FIELDS = {
    "invalid_credentials": "current_password", "too_many_attempts": "current_password",
    "weak_password": "password", "same_password": "password", "password_mismatch": "password_confirmation",
}

@person_page
async def profile_page(request: Request, session: Session) -> Response:
    two_step = await call(services(request).two_step.is_on, session.identity_id)
    pending = await call(services(request).account_settings.pending_email_change, session.identity_id)
    if pending:
        pending["until"] = french_moment(pending["expires_at"])
    return render(
        request, "profile.html", profile=await profile_of(request, session), two_step=two_step, pending_email=pending,
    )


# -- email ------------------------------------------------------------------

@person_page
async def email_page(request: Request, session: Session) -> Response:
    return render(request, "change_email.html", profile=await profile_of(request, session))


@person_page
async def email_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    new_email = form.get("new_email", "").strip()
    values = {"new_email": new_email, "new_email_confirmation": form.get("new_email_confirmation", "").strip()}
    errors = required(form, {
        "new_email": "Indiquez votre nouvelle adresse email.",
        "new_email_confirmation": "Saisissez à nouveau la nouvelle adresse.",
        "password": "Indiquez votre mot de passe actuel.",
    })
    context = {"values": values, "profile": await profile_of(request, session)}
    if errors:  # the use case cannot run yet: what it would check of the two addresses is told at once
        if new_email and values["new_email_confirmation"]:
            try:
                check_confirmation(new_email, values["new_email_confirmation"])
            except Refused as refusal:
                errors = {"new_email_confirmation": refusal.message, **errors}
        return render(request, "change_email.html", 422, errors=errors, **context)
    try:
        await call(
            services(request).account_settings.request_email_change, session.identity_id, new_email,
            form.get("password", ""), origin(request), values["new_email_confirmation"],
        )
    except Refused as refusal:
        return refused_form(request, "change_email.html", refusal, EMAIL_FIELDS, **context)
    return message(
        request, "Confirmez votre nouvelle adresse",
        f"Un lien de confirmation vient d'être envoyé à {new_email}. Votre adresse actuelle reste votre identifiant "
        "jusqu'à ce que vous cliquiez sur ce lien ; un avis a aussi été envoyé à votre adresse actuelle.",
        link="/profil", link_text="Retour au profil",
    )


@person_page
async def email_resend_submit(request: Request, session: Session) -> Response:
    """« Renvoyer le lien » of the pending change of address."""
    await checked_form(request)
    try:
        await call(services(request).account_settings.resend_email_change, session.identity_id, origin(request))
    except Refused as refusal:
        return message(
            request, "Lien non renvoyé", refusal.message, refusal_status(refusal), link="/profil",
            link_text="Retour au profil",
        )
    return redirect("/profil?info=lien-renvoye")


@person_page
async def email_cancel_submit(request: Request, session: Session) -> Response:
    """« Annuler le changement »: the address stays, the link dies."""
    await checked_form(request)
    with suppress(Refused):  # nothing pending any more: the profile shows so
        await call(services(request).account_settings.cancel_email_change, session.identity_id)
    return redirect("/profil?info=changement-annule")


# -- password ---------------------------------------------------------------

async def password_form(request: Request, session: Session, refusal: Refused | None = None) -> Response:
    profile = await profile_of(request, session)
    unmet = refusal.details.get("criteria") if refusal else None
    context = password_context(services(request).passwords, unmet, [profile["email"]])
    if refusal is None:
        return render(request, "change_password.html", **context)
    return refused_form(request, "change_password.html", refusal, PASSWORD_FIELDS, **context)


@person_page
async def password_page(request: Request, session: Session) -> Response:
    return await password_form(request, session)


@person_page
async def password_submit(request: Request, session: Session) -> Response:
    form = await checked_form(request)
    try:
        await call(
            services(request).account_settings.change_password, session.identity_id, form.get("current_password", ""),
            form.get("password", ""), form.get("password_confirmation", ""), session.token_digest, origin(request),
        )
    except Refused as refusal:
        return await password_form(request, session, refusal)
    return redirect("/profil?info=mot-de-passe")


# -- history ----------------------------------------------------------------

def local_time(moment: str) -> str:
    """An ISO time as a French reader writes it, in Paris time (« 1er novembre 2026 à 9 h 05 »)."""
    return french_moment(moment)


@person_page
async def history_page(request: Request, session: Session) -> Response:
    events: list[dict[str, Any]] = await call(services(request).account_settings.history, session.identity_id)
    reads: list[dict[str, Any]] = await call(services(request).export.staff_reads, session.identity_id)
    return render(
        request, "history.html",
        events=[{"at": local_time(e["at"]), "text": e["description"]} for e in reversed(events)],
        reads=[{**r, "at": local_time(r["at"])} for r in reversed(reads)],
    )


routes = [
    Route("/profil", profile_page, methods=["GET"]),
    Route("/profil/email", email_page, methods=["GET"]),
    Route("/profil/email", email_submit, methods=["POST"]),
    Route("/profil/email/renvoyer", email_resend_submit, methods=["POST"]),
    Route("/profil/email/annuler", email_cancel_submit, methods=["POST"]),
    Route("/profil/mot-de-passe", password_page, methods=["GET"]),
    Route("/profil/mot-de-passe", password_submit, methods=["POST"]),
    Route("/profil/historique", history_page, methods=["GET"]),
]
