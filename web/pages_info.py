"""The welcome choice (seed 001 §A) and « Besoin d'aide pour se connecter ? » (seed 003)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from web.pages_common import home_if_signed_in, page, render
from web.pages_password import criteria
from web.use_cases import services


@page
async def welcome(request: Request) -> Response:
    """The welcome choice; a signed-in person is taken to their space instead."""
    return await home_if_signed_in(request) or render(request, "welcome.html")


@page
async def help_page(request: Request) -> Response:
    rules = [c["label"] for c in criteria(services(request).passwords) if not c["hidden"]]
    return render(request, "help.html", rules=rules)


routes = [
    Route("/", welcome, methods=["GET"]),
    Route("/aide", help_page, methods=["GET"]),
]
