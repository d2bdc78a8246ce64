"""Agencies' own look on the portal (``sesame agencies set``): their logo and
a small stylesheet of their colours.

The colours reach the page as CSS custom properties from a stylesheet of the
portal's own (the policy allows no inline style): ``.marque-<id>`` redefines
``--brand`` and ``--brand-dark`` for the element that carries it, the whole
page on an agency's sign-in address, one card on « Mes biens ». The logo is
served as the checked bytes stored, with its exact type, ``nosniff`` and a
policy that lets an SVG opened on its own run nothing and fetch nothing.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from application.agencies import Look
from web.pages_common import call
from web.use_cases import services

LOGO_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
CACHE = "public, max-age=300"


def stylesheet(look: Look) -> str:
    if not look.colour:
        return ""
    return f".{look.key} {{ --brand: {look.colour}; --brand-dark: {look.hover}; }}\n"


async def colours(request: Request) -> Response:
    look = await call(services(request).agencies.look, request.path_params["client"], request.path_params["societe"])
    css = stylesheet(look) if look is not None else ""
    return Response(css, media_type="text/css", headers={"cache-control": CACHE})


async def logo(request: Request) -> Response:
    found = await call(services(request).agencies.logo, request.path_params["client"], request.path_params["societe"])
    if found is None:
        return Response("Aucun logo pour cette agence.", 404, media_type="text/plain; charset=utf-8")
    media_type, content = found
    return Response(
        content, media_type=media_type,
        headers={"content-security-policy": LOGO_POLICY, "cache-control": CACHE, "content-disposition": "inline"},
    )


routes = [
    Route("/agences/{client}/{societe}/couleurs.css", colours, methods=["GET"]),
    Route("/agences/{client}/{societe}/logo", logo, methods=["GET"]),
]
