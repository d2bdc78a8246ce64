"""The way back to a client through the portal's own pages (sign-in, new terms).

A page on that way carries ``next``: only a path of this site under
``/oidc/``, or one of the person's own pages (a deep link followed while
signed out), is followed (never another site: no open redirect). Browsers apply
the policy's ``form-action`` to the redirects that follow a form's POST, so
such a page allows its form to end at the client's registered address.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from web.oidc_adapter import pairs
from web.pages_common import call
from web.security import CSP
from web.use_cases import services

FOLLOWED = ("/oidc/", "/espace", "/biens", "/profil")


def safe_next(value: str | None) -> str | None:
    if not value or "\\" in value or any(ord(c) < 32 for c in value):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path.startswith(FOLLOWED) or value.startswith("//"):
        return None
    return value


def csp_sending_to(redirect_uri: str) -> str:
    """The portal's policy, but a form may end at the client's address."""
    parts = urlsplit(redirect_uri)
    return CSP.replace("form-action 'self'", f"form-action 'self' {parts.scheme}://{parts.netloc}")


async def on_the_way(request: Request, response: Response, next_path: str | None) -> Response:
    """``response`` with the policy of a page on the way to the client that
    ``next_path`` names, when that client and its address are registered."""
    if not next_path:
        return response
    try:
        query = dict(pairs(urlsplit(next_path).query))
    except ValueError:
        return response
    uri = query.get("redirect_uri", "")
    client = await call(services(request).oidc.query_client, query.get("client_id", ""))
    if client is not None and client.check_redirect_uri(uri):
        response.headers["content-security-policy"] = csp_sending_to(uri)
    return response
