"""A session limited to accepting newer terms (issue 19 finding 11), walked over
the app's own route table, so a route added later is covered.

With such a session, every route outside ``WHILE_TERMS_PENDING`` answers
either as it answers an anonymous caller (it does not read a person's session)
or with the gate's refusal: 403 ``terms_acceptance_required`` in the API, the
acceptance page in the portal. Every ``/me`` route of the API is refused.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount, Route
from starlette.testclient import TestClient

from application import terms
from tests.web.conftest import PASSWORD, Portal
from web.session_gate import WHILE_TERMS_PENDING

API = "/api/v1"


def served_routes(routes: Sequence[object], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path template) of every route, mounts included."""
    for route in routes:
        if isinstance(route, Mount):
            yield from served_routes(route.routes, prefix + route.path)
        elif isinstance(route, Route):
            for method in sorted((route.methods or set()) - {"HEAD"}):
                yield method, prefix + route.path


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def verdict(answer: httpx.Response) -> tuple[int, str | None]:
    """What a caller learns: the status and the error code or the redirect's target."""
    if answer.is_redirect:
        return answer.status_code, answer.headers["location"]
    kind = answer.headers.get("content-type", "")
    return answer.status_code, answer.json().get("error") if kind.startswith("application/json") else None


@pytest.fixture
def pending(portal: Portal, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Portal, str]:
    """A person whose terms are outdated, logged in on the portal (cookie) and
    in the API (the ``token`` login answers with): (portal, bearer token)."""
    person = portal.activated()
    folder = tmp_path / "terms"
    shutil.copytree(terms.TERMS_DIR, folder)
    shutil.copytree(folder / terms.current_terms_version(), folder / "2099-01-01")
    monkeypatch.setattr(terms, "TERMS_DIR", folder)
    login = portal.client.post(f"{API}/sessions", json={"email": person["email"], "password": PASSWORD})
    assert login.status_code == 403 and login.json()["error"] == "terms_acceptance_required"
    assert portal.log_in(person["email"]).headers["location"] == "/cgu/accepter"
    return portal, login.json()["token"]


def test_a_session_with_terms_to_accept_opens_nothing_but_the_allow_list(pending: tuple[Portal, str]) -> None:
    portal, token = pending
    # An address of its own: the link pages count every token they check, per address.
    anonymous = TestClient(portal.client.app, base_url="http://testserver", client=("192.0.2.7", 50000))
    tokens = {client: client_csrf(client) for client in (portal.client, anonymous)}
    refused_me = []
    app = portal.client.app
    assert isinstance(app, Starlette)
    routes = list(served_routes(app.routes))
    assert set(routes) >= WHILE_TERMS_PENDING  # no stale entry
    for method, path in routes:
        if (method, path) in WHILE_TERMS_PENDING:
            continue
        url = concrete(path)
        if path.startswith(API + "/"):
            body: dict[str, str] | None = {} if method != "GET" else None
            as_person = portal.client.request(method, url, json=body, headers={"Authorization": f"Bearer {token}"})
            as_nobody = anonymous.request(method, url, json=body)
            gate = (403, "terms_acceptance_required")
        else:
            data = {"csrf": tokens[portal.client]} if method == "POST" else None
            as_person = portal.client.request(method, url, data=data, follow_redirects=False)
            as_nobody = anonymous.request(
                method, url, data={"csrf": tokens[anonymous]} if method == "POST" else None, follow_redirects=False
            )
            gate = (303, "/cgu/accepter")
        assert verdict(as_person) in (gate, verdict(as_nobody)), f"{method} {path}: {as_person.text[:300]}"
        if path.startswith(API + "/me"):
            assert verdict(as_person) == gate, f"{method} {path}"
            refused_me.append((method, path))
    assert ("DELETE", API + "/me") in refused_me and ("GET", API + "/me") in refused_me


def client_csrf(client: TestClient) -> str:
    """A CSRF token valid for this client's cookie (as any form page carries)."""
    match = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert match
    return match.group(1)


def test_the_allow_list_lets_the_person_accept_or_leave(pending: tuple[Portal, str]) -> None:
    portal, token = pending
    bearer = {"Authorization": f"Bearer {token}"}
    assert portal.client.request("DELETE", f"{API}/me", headers=bearer, json={"password": PASSWORD}).status_code == 403
    assert portal.client.post(f"{API}/me/terms", headers=bearer, json={"version": "2099-01-01"}).status_code == 204
    assert portal.client.get(f"{API}/me", headers=bearer).status_code == 200
    assert portal.client.delete(f"{API}/sessions/current", headers=bearer).status_code == 204
    assert portal.client.get(f"{API}/me", headers=bearer).status_code == 401
