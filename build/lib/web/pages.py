"""The French portal (issue 8): every page, one module per flow, each calling
the same use cases as the JSON API."""

from __future__ import annotations

from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from web import (
    pages_activation,
    pages_branding,
    pages_connected_apps,
    pages_contracts,
    pages_fusion,
    pages_info,
    pages_links,
    pages_login,
    pages_my_data,
    pages_passkeys,
    pages_profile,
    pages_reset,
    pages_security,
    pages_terms,
    pages_two_step,
)
from web.pages_common import HERE

routes = [
    *pages_info.routes,
    *pages_login.routes,
    *pages_activation.routes,
    *pages_fusion.routes,
    *pages_links.routes,
    *pages_reset.routes,
    *pages_contracts.routes,
    *pages_profile.routes,
    *pages_security.routes,
    *pages_two_step.routes,
    *pages_passkeys.routes,
    *pages_my_data.routes,
    *pages_terms.routes,
    *pages_connected_apps.routes,
    *pages_branding.routes,
    Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
]
