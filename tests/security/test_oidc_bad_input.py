"""Whatever a client sends the OpenID endpoints, the answer is an OAuth error
or a French page, never a 5xx (issue 13, house rule)."""

from __future__ import annotations

import itertools
import os
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from adapters.bootstrap import bootstrap
from application.config import Settings
from web.app import create_app

CLIENT = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def client(workdir: Path) -> Iterator[tuple[TestClient, str, str]]:
    container = bootstrap(Settings.from_env(os.environ))
    registered = container.relying_parties.add("Extranet", ["https://ex.test/cb"])
    with TestClient(create_app(container), base_url="http://localhost") as http:
        yield http, registered.client_id, registered.client_secret or ""


AUTHORIZE = [
    {}, {"client_id": "\x00"}, {"client_id": "x" * 5000}, {"client_id": CLIENT, "redirect_uri": "https://ex.test/cb"},
    {"response_type": "code", "scope": "openid", "redirect_uri": "https://ex.test/cb", "max_age": "soon"},
    {"response_type": "code", "scope": "openid", "redirect_uri": "https://ex.test/cb", "prompt": "none login"},
    {"response_type": "code", "scope": "openid", "redirect_uri": "https://ex.test/cb", "code_challenge": "é" * 50,
     "code_challenge_method": "S256"},
    {"response_type": "code code", "redirect_uri": "https://ex.test/cb"},
]


def test_bad_authorization_requests(client: tuple[TestClient, str, str]) -> None:
    http, client_id, _ = client
    for params in AUTHORIZE:
        answer = http.get("/oidc/authorize", params={"client_id": client_id, **params}, follow_redirects=False)
        assert answer.status_code in (302, 303, 400), (params, answer.text)
        if answer.status_code == 302:
            location = answer.headers["location"]
            assert location.startswith("https://ex.test/cb?") and "error=" in location, params


BODIES = [
    b"", b"grant_type=authorization_code", b"grant_type=authorization_code&code=x&redirect_uri=https://ex.test/cb",
    b"grant_type=refresh_token&refresh_token=x", b"grant_type=client_credentials", b"\xff\xfe\x00",
    b"grant_type=refresh_token&refresh_token=%00", b"token=x&token_type_hint=id_token", b"a=" + b"b" * 70000,
    b"grant_type=refresh_token&grant_type=authorization_code",
]
AUTHS = [None, "Basic !!!", "Basic " + "eDp5", "Bearer x", "Basic"]


@pytest.mark.parametrize("path", ["/oidc/token", "/oidc/revoke", "/oidc/introspect", "/oidc/userinfo"])
def test_bad_token_endpoint_requests(client: tuple[TestClient, str, str], path: str) -> None:
    http, client_id, secret = client
    for body, auth in itertools.product(
        BODIES, [*AUTHS, f"Basic {b64encode(f'{client_id}:{secret}'.encode()).decode()}"]
    ):
        headers = {"content-type": "application/x-www-form-urlencoded", **({"authorization": auth} if auth else {})}
        answer = http.post(path, content=body, headers=headers)
        assert 200 <= answer.status_code < 500, (body, auth, answer.text)
        if answer.status_code >= 400:
            assert answer.json()["error"] and answer.json()["message"], (body, auth)


def test_plain_http_other_than_the_loopback_is_refused_without_a_5xx(workdir: Path) -> None:
    container = bootstrap(Settings.from_env(os.environ))
    with TestClient(create_app(container), base_url="http://portal.test") as http:
        answer = http.post("/oidc/token", data={"grant_type": "refresh_token"})
    assert answer.status_code == 400 and answer.json()["error"] == "insecure_transport"
