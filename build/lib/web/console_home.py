"""The console's home page (``/console/accueil``): who is signed in, and the
way to what their role may do."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.staff import StaffMember
from web.console_gate import console_page, render_console

SEARCH_HINTS = {
    "support": "Par adresse email, identifiant, nom du titulaire, codes d'agence ou bien.",
    "auditor": "Retrouver un compte, son historique, et son état à une date donnée.",
    "agency": "Parmi les clients de votre agence.",
}


@console_page()
async def home(request: Request, member: StaffMember) -> Response:
    return render_console(request, "console/home.html", search_hint=SEARCH_HINTS.get(member.role, ""))


routes = [Route("/console/accueil", home, methods=["GET"])]
