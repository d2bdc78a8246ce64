"""A relying party's side of single sign-on, for the end-to-end tests: Authlib's
own OAuth client (httpx) for discovery, PKCE and the token endpoint, and a
browser-like httpx client (cookies, the portal's CSRF field) for the person."""

from __future__ import annotations

import html
import json
import re
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame

REDIRECT = "http://127.0.0.1:9/cb"  # never reached: the tests read the Location the provider answers


def register(sesame: Sesame, name: str = "Extranet", *options: str) -> dict[str, Any]:
    """``sesame clients add``: the {client_id, client_secret} of its last line."""
    result = sesame.cli("clients", "add", name, "--redirect-uri", REDIRECT, *options, "--json", check=True)
    registered: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
    return registered


def discovery(sesame: Sesame) -> dict[str, Any]:
    document: dict[str, Any] = httpx.get(sesame.url + "/.well-known/openid-configuration").json()
    return document


def rp(sesame: Sesame, client: dict[str, Any], method: str = "client_secret_basic") -> OAuth2Client:
    """Authlib's client for a registered relying party, configured by discovery."""
    meta = discovery(sesame)
    return OAuth2Client(
        client["client_id"], client.get("client_secret"), scope="openid email profile contracts offline_access",
        redirect_uri=REDIRECT, code_challenge_method="S256", token_endpoint=meta["token_endpoint"],
        token_endpoint_auth_method=method if client.get("client_secret") else "none",
    )


class Browser:
    """The person's browser: cookies kept, redirects followed until the client's address."""

    def __init__(self, sesame: Sesame) -> None:
        self.sesame = sesame
        self.http = httpx.Client(base_url=sesame.url, follow_redirects=False, timeout=30)

    def go(self, url: str) -> httpx.Response:
        """GET ``url`` through redirects, stopping at the client."""
        return self.follow(self.http.get(url))

    def follow(self, response: httpx.Response) -> httpx.Response:
        """Follow ``response``'s redirects, stopping at the client."""
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(REDIRECT):
                return response
            response = self.http.get(target)
        return response

    def csrf(self, page: httpx.Response) -> str:
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, page.text
        return match.group(1)

    def sign_in(self, page: httpx.Response, email: str, password: str = PASSWORD) -> httpx.Response:
        """Fill the portal's sign-in form shown on ``page``, then follow on."""
        next_path = re.search(r'name="next" value="([^"]+)"', page.text)
        form = {"csrf": self.csrf(page), "email": email, "password": password, "client": "", "societe": ""}
        if next_path:
            form["next"] = html.unescape(next_path.group(1))
        return self.follow(self.http.post("/login", data=form))

    def choose(self, page: httpx.Response, contract_id: str) -> httpx.Response:
        request = re.search(r'name="request" value="([^"]+)"', page.text)
        assert request, page.text
        form = {"csrf": self.csrf(page), "request": html.unescape(request.group(1)), "contract": contract_id}
        return self.follow(self.http.post("/oidc/authorize/contrat", data=form))


def authorization(client: OAuth2Client, sesame: Sesame, **params: str) -> tuple[str, str, str]:
    """(authorization URL, code verifier, state) for an S256 request."""
    verifier = generate_token(48)
    url, state = client.create_authorization_url(
        discovery(sesame)["authorization_endpoint"],
        code_verifier=verifier,
        nonce=params.pop("nonce", "n-0S6"),
        **params,
    )
    return url, verifier, state


def answer(response: httpx.Response) -> dict[str, str]:
    """The query the provider sent the person back to the client with."""
    assert response.is_redirect, (response.status_code, response.text[:500])
    location = response.headers["location"]
    assert location.startswith(REDIRECT), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def exchange(client: OAuth2Client, sesame: Sesame, code: str, verifier: str) -> dict[str, Any]:
    token: dict[str, Any] = client.fetch_token(
        discovery(sesame)["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier
    )
    return token


def verified_claims(sesame: Sesame, id_token: str, client_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ID token's (header, claims), its signature checked against the JWKS."""
    keys = KeySet.import_key_set(httpx.get(discovery(sesame)["jwks_uri"]).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    registry = jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": sesame.url}, aud={"essential": True, "value": client_id}
    )
    registry.validate(token.claims)
    return dict(token.header), dict(token.claims)
