"""What the console's pages beyond sign-in share (issue 15): the gate they
go through, how a moment typed in a form is read, the notices a redirect may
ask for, and how a refusal is shown."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from application.contract_names import ROLES
from application.errors import Refused
from application.french_time import PARIS, french_moment
from web.console_gate import console_message, console_page, render_console
from web.pages_common import refusal_status

__all__ = ["console_message", "console_page", "local_moment", "refused_page", "render_page"]

# Short notices a redirect may ask the next page to show (``?fait=...``): only these words can appear.
DONE = {
    "verification": "L'email de vérification a été renvoyé.",
    "reinitialisation": "Le lien de réinitialisation du mot de passe a été envoyé à l'adresse du compte.",
    "sessions": "Toutes les sessions de la personne ont été fermées, applications connectées comprises.",
}


def render_page(request: Request, name: str, status: int = 200, **context: Any) -> Response:
    """A console page of ours: French dates and contract roles at hand."""
    context.setdefault("notice", DONE.get(request.query_params.get("fait", "")))
    return render_console(request, name, status, moment=french_moment, roles=ROLES, **context)


def refused_page(request: Request, refusal: Refused) -> Response:
    """A refusal that concerns no field: a French page with its status (404
    for a person out of reach, 403 for a role that may not)."""
    return console_message(
        request,
        "Demande refusée",
        refusal.message,
        refusal_status(refusal),
        link="/console/recherche",
        link_text="Retour à la recherche",
    )


def local_moment(value: str) -> datetime:
    """A ``datetime-local`` field (Paris time, to the minute or second) as an
    aware moment; ``invalid_request`` for anything else."""
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as error:
        raise Refused(
            "invalid_request", "Indiquez une date et une heure, par exemple 24/11/2026 10:00.", field="a"
        ) from error
    return moment if moment.tzinfo else moment.replace(tzinfo=PARIS)
