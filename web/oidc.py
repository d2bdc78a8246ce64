"""The OpenID Connect endpoints: discovery, JWKS, authorization (through the
portal's sign-in form and, for several contracts, the choice of one), token,
userinfo, revocation, introspection.

Paths are those the discovery document publishes; ``/oidc/logout`` (the
end-session endpoint) is served by ``web/oidc_logout.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from application.oidc.grants import AUTH_METHODS, SCOPES
from application.oidc.provider import Answer, ChooseContract, ErrorPage, Outcome, PortalFirst, Provider, Redirect
from application.signing_keys import ALGORITHM
from web.oidc_adapter import error_response, oauth2_request, response
from web.oidc_return import csp_sending_to
from web.pages_common import call, current_session, message, page, redirect, render, viewer
from web.pages_contracts import named_contracts
from web.security import checked_form
from web.use_cases import services

PATHS = {
    "authorization_endpoint": "/oidc/authorize",
    "token_endpoint": "/oidc/token",
    "userinfo_endpoint": "/oidc/userinfo",
    "jwks_uri": "/oidc/jwks",
    "revocation_endpoint": "/oidc/revoke",
    "introspection_endpoint": "/oidc/introspect",
    "end_session_endpoint": "/oidc/logout",
}
CLAIMS = ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "sid", "contract", "email", "email_verified",
          "name", "contracts"]


def provider(request: Request) -> Provider:
    oidc: Provider = services(request).oidc
    return oidc


async def discovery(request: Request) -> Response:
    issuer = services(request).public_url
    return JSONResponse({
        "issuer": issuer,
        **{name: issuer + path for name, path in PATHS.items()},
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "scopes_supported": list(SCOPES),
        "claims_supported": CLAIMS,
        "code_challenge_methods_supported": ["S256"],
        "prompt_values_supported": ["none", "login"],
        "token_endpoint_auth_methods_supported": AUTH_METHODS,
        "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
        "introspection_endpoint_auth_methods_supported": AUTH_METHODS[:2],
        "backchannel_logout_supported": True,
        "backchannel_logout_session_supported": True,
        "claims_parameter_supported": False,
        "request_parameter_supported": False,
        "ui_locales_supported": ["fr"],
    })


async def jwks(request: Request) -> Response:
    keys = await call(provider(request).keys.public_jwks)
    return JSONResponse(keys, headers={"cache-control": "public, max-age=300"})


async def authorize(request: Request) -> Response:
    try:
        oauth = await oauth2_request(request)
    except OAuth2Error:
        return refused_page(request, "La demande de connexion est illisible.")
    session = await current_session(request)
    request.state.viewer = await viewer(request)
    return await outcome(request, await call(provider(request).authorize, oauth, session))


@page
async def choose_contract(request: Request) -> Response:
    """The contract chosen on the page: the same request again, with the choice."""
    form = await checked_form(request)
    try:
        oauth = await oauth2_request(request, query=form.get("request", ""))
    except OAuth2Error:
        return refused_page(request, "La demande de connexion est illisible.")
    session = await current_session(request)
    return await outcome(request, await call(provider(request).authorize, oauth, session, form.get("contract")))


async def outcome(request: Request, result: Outcome) -> Response:
    if isinstance(result, Redirect):
        return Response(status_code=302, headers={"location": result.url})
    if isinstance(result, PortalFirst):
        query = {"next": result.next, **({"login_hint": result.login_hint} if result.login_hint else {})}
        return redirect(result.page + "?" + urlencode(query))
    if isinstance(result, ChooseContract):
        page_ = render(
            request, "oidc_contract.html", client_name=result.client_name, contracts=result.contracts,
            default=result.default, request_query=result.request, **await named_contracts(request, result.contracts),
        )
        page_.headers["content-security-policy"] = csp_sending_to(result.redirect_uri)
        return page_
    if not isinstance(result, ErrorPage):
        raise RuntimeError("broken invariant: not isinstance(result, ErrorPage)")
    return refused_page(request, result.message)


def refused_page(request: Request, text: str) -> Response:
    return message(request, "Connexion impossible", text, 400, link="/", link_text="Revenir à l'accueil")


async def token(request: Request) -> Response:
    return await endpoint(request, lambda oauth: provider(request).create_token_response(oauth))


async def revoke(request: Request) -> Response:
    return await endpoint(request, lambda oauth: provider(request).create_endpoint_response("revocation", oauth))


async def introspect(request: Request) -> Response:
    return await endpoint(request, lambda oauth: provider(request).create_endpoint_response("introspection", oauth))


async def userinfo(request: Request) -> Response:
    return await endpoint(request, lambda oauth: provider(request).userinfo(oauth))


async def endpoint(request: Request, run: Callable[[OAuth2Request], Answer]) -> Response:
    try:
        oauth = await oauth2_request(request)
    except OAuth2Error as error:
        return error_response(error)
    return response(await call(run, oauth))


routes = [
    Route("/.well-known/openid-configuration", discovery, methods=["GET"]),
    Route(PATHS["jwks_uri"], jwks, methods=["GET"]),
    Route(PATHS["authorization_endpoint"], authorize, methods=["GET", "POST"]),  # OIDC Core §3.1.2.1: both
    Route(PATHS["authorization_endpoint"] + "/contrat", choose_contract, methods=["POST"]),
    Route(PATHS["token_endpoint"], token, methods=["POST"]),
    Route(PATHS["userinfo_endpoint"], userinfo, methods=["GET", "POST"]),
    Route(PATHS["revocation_endpoint"], revoke, methods=["POST"]),
    Route(PATHS["introspection_endpoint"], introspect, methods=["POST"]),
]
