"""« Mot de passe oublié ? » (seed 001 §C.1.1): by email, or by the provisional
login id with the agency's codes.

One field takes either, as the seed's « Identifiant provisoire / adresse
mail »; the codes are asked only for a login id, and carried from the agency's
address when it gave them. The answer never says whether an account matched.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.errors import Refused
from web.pages_common import agency_codes, call, form_page, kept, message, origin, page, refused_form, render, required
from web.security import checked_form
from web.use_cases import services

CODES = {"client": "Indiquez le code client de votre agence.", "societe": "Indiquez le code société de votre agence."}


@page
async def forgot_submit(request: Request) -> Response:
    form = await checked_form(request)
    who = form.get("identifier", "").strip()
    values, codes = kept(form, "identifier", "client", "societe"), agency_codes(form)
    by_email = "@" in who
    missing = required(form, {"identifier": "Indiquez votre adresse email ou votre identifiant provisoire."})
    if who and not by_email:
        missing |= required(form, CODES)
    if missing:
        return render(request, "forgot_password.html", 422, errors=missing, values=values, codes=codes)
    arguments: tuple[str | None, ...] = (
        (who, None, None, None) if by_email else (None, who, codes["client"], codes["societe"])
    )
    try:
        await call(services(request).password_reset.request, *arguments, origin(request))
    except Refused as refusal:
        return refused_form(request, "forgot_password.html", refusal, {}, values=values, codes=codes)
    return message(
        request, "Demande envoyée",
        "Si un compte correspond, un email de réinitialisation vient d'être envoyé à son adresse. "
        "Le lien qu'il contient est valable une heure ; pensez à regarder dans les courriers indésirables.",
        link="/login", link_text="Retour à la connexion",
    )


routes = [
    Route("/mot-de-passe-oublie", form_page("forgot_password.html"), methods=["GET"]),
    Route("/mot-de-passe-oublie", forgot_submit, methods=["POST"]),
]
