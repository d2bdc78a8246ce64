"""Single sign-on end to end: a real ``sesame serve`` as the OpenID provider,
Authlib's OAuth client as the relying party, the portal's own pages for the
person (issue 13)."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest

from application.terms import TERMS_DIR
from tests.conftest import TEST_SECRET
from tests.e2e.flows import contract, person, provisional
from tests.e2e.harness import Sesame
from tests.e2e.oidc_flows import (
    REDIRECT,
    Browser,
    answer,
    authorization,
    discovery,
    exchange,
    register,
    rp,
    verified_claims,
)

pytestmark = pytest.mark.e2e


def signed_in(op: Sesame, client: dict[str, Any], email: str, **params: str) -> tuple[
    Browser, dict[str, Any], dict[str, Any]
]:
    """The whole code flow for a new browser: (browser, token response, ID token claims)."""
    browser, oauth = Browser(op), rp(op, client)
    url, verifier, state = authorization(oauth, op, **params)
    login_page = browser.go(url)
    assert login_page.status_code == 200 and 'name="next"' in login_page.text
    back = answer(browser.sign_in(login_page, email))
    assert back["state"] == state
    token = exchange(oauth, op, back["code"], verifier)
    _, claims = verified_claims(op, token["id_token"], client["client_id"])
    return browser, token, claims


def test_discovery_names_every_endpoint_and_what_is_supported(op: Sesame) -> None:
    meta = discovery(op)
    assert meta["issuer"] == op.url
    for name, path in (("authorization_endpoint", "/oidc/authorize"), ("token_endpoint", "/oidc/token"),
                       ("userinfo_endpoint", "/oidc/userinfo"), ("jwks_uri", "/oidc/jwks"),
                       ("revocation_endpoint", "/oidc/revoke"), ("introspection_endpoint", "/oidc/introspect"),
                       ("end_session_endpoint", "/oidc/logout")):
        assert meta[name] == op.url + path
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["backchannel_logout_supported"] is True and meta["backchannel_logout_session_supported"] is True
    assert meta["response_types_supported"] == ["code"] and meta["subject_types_supported"] == ["public"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post", "none"}
    assert {"openid", "email", "profile", "contracts", "offline_access"} <= set(meta["scopes_supported"])
    jwks = httpx.get(meta["jwks_uri"]).json()
    assert jwks["keys"] and all("d" not in key for key in jwks["keys"])


def test_code_flow_with_pkce_through_the_portal_then_single_sign_on(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    browser, token, claims = signed_in(op, extranet, creds["email"], nonce="nonce-1")
    assert claims["nonce"] == "nonce-1" and claims["sid"] and isinstance(claims["auth_time"], int)
    contract_claim = claims["contract"]
    assert contract_claim["login_id"] == creds["login_id"] and contract_claim["client_code"] == creds["client_code"]
    assert set(contract_claim) >= {"id", "client_code", "company_code", "login_id", "role", "holder_name"}
    assert claims["email"] == creds["email"] and claims["email_verified"] is True
    assert claims["name"] == contract_claim["holder_name"] and claims["contracts"] == [contract_claim]
    assert token["refresh_token"] and token["token_type"].lower() == "bearer" and token["expires_in"] == 600
    info = httpx.get(discovery(op)["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 200 and info.json()["sub"] == claims["sub"] and info.json()["contract"] == contract_claim
    # Single sign-on: the same browser comes back without a question, even with prompt=none.
    oauth = rp(op, extranet)
    for params in ({}, {"prompt": "none"}):
        url, verifier, _ = authorization(oauth, op, **params)
        again = exchange(oauth, op, answer(browser.go(url))["code"], verifier)
        _, claims_again = verified_claims(op, again["id_token"], extranet["client_id"])
        assert claims_again["sub"] == claims["sub"] and claims_again["sid"] == claims["sid"]
    # prompt=login asks again, even with a session.
    url, _, _ = authorization(oauth, op, prompt="login")
    assert 'name="next"' in browser.go(url).text


def test_prompt_none_without_a_session_answers_login_required(op: Sesame, extranet: dict[str, Any]) -> None:
    url, _, state = authorization(rp(op, extranet), op, prompt="none")
    back = answer(Browser(op).go(url))
    assert back["error"] == "login_required" and back["state"] == state


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_sign_in(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    _, first, _ = signed_in(op, extranet, creds["email"])
    oauth = rp(op, extranet)
    second = oauth.refresh_token(discovery(op)["token_endpoint"], refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"] and second["access_token"] != first["access_token"]
    token_url = discovery(op)["token_endpoint"]
    auth = (extranet["client_id"], extranet["client_secret"])
    replay = httpx.post(
        token_url, auth=auth, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant" and replay.json()["message"]
    # The whole sign-in is revoked: the newest refresh token and its access token too.
    later = httpx.post(
        token_url, auth=auth, data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert later.json()["error"] == "invalid_grant"
    info = httpx.get(discovery(op)["userinfo_endpoint"], headers={"Authorization": f"Bearer {second['access_token']}"})
    assert info.status_code == 401


def test_a_code_works_once_and_its_reuse_revokes_what_it_gave(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    browser, oauth = Browser(op), rp(op, extranet)
    url, verifier, _ = authorization(oauth, op)
    code = answer(browser.sign_in(browser.go(url), creds["email"]))["code"]
    token = exchange(oauth, op, code, verifier)
    again = httpx.post(discovery(op)["token_endpoint"], auth=(extranet["client_id"], extranet["client_secret"]), data={
        "grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": REDIRECT,
    })
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    info = httpx.get(discovery(op)["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 401


def test_a_code_or_refresh_token_refused_by_a_later_check_is_spent_all_the_same(
    op: Sesame, extranet: dict[str, Any]
) -> None:
    """Spent with the tokens it gives, in one transaction: one that a check after
    the lookup refuses (PKCE, scope) cannot be presented again, as when it was
    spent first."""
    creds, _ = person(op)
    browser, oauth = Browser(op), rp(op, extranet)
    token_url, auth = discovery(op)["token_endpoint"], (extranet["client_id"], extranet["client_secret"])
    url, verifier, _ = authorization(oauth, op)
    code = answer(browser.sign_in(browser.go(url), creds["email"]))["code"]
    grant = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    wrong = httpx.post(token_url, auth=auth, data={**grant, "code_verifier": verifier[::-1]})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    right = httpx.post(token_url, auth=auth, data={**grant, "code_verifier": verifier})
    assert right.status_code == 400 and right.json()["error"] == "invalid_grant"
    _, token, _ = signed_in(op, extranet, creds["email"])
    refresh = {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    wider = httpx.post(token_url, auth=auth, data={**refresh, "scope": "openid unknown"})
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    again = httpx.post(token_url, auth=auth, data=refresh)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    info = httpx.get(discovery(op)["userinfo_endpoint"], headers={"Authorization": f"Bearer {token['access_token']}"})
    assert info.status_code == 401  # presented again once spent: the sign-in is revoked


def test_an_unknown_client_or_redirect_uri_gets_a_french_page_never_a_redirect(
    op: Sesame, extranet: dict[str, Any]
) -> None:
    endpoint = discovery(op)["authorization_endpoint"]
    for params in (
        {"client_id": "00000000-0000-0000-0000-000000000000", "redirect_uri": REDIRECT},
        {"client_id": "pas-un-id", "redirect_uri": REDIRECT},
        {"client_id": extranet["client_id"], "redirect_uri": "https://evil.test/cb"},
        {"client_id": extranet["client_id"]},
    ):
        page = httpx.get(endpoint, params={"response_type": "code", "scope": "openid", **params})
        assert page.status_code == 400 and "location" not in page.headers
        assert "Connexion impossible" in page.text


def test_errors_after_the_client_is_trusted_go_back_to_it(op: Sesame, extranet: dict[str, Any]) -> None:
    endpoint = discovery(op)["authorization_endpoint"]
    base = {"client_id": extranet["client_id"], "redirect_uri": REDIRECT, "state": "s1"}
    for params, error in (
        ({"response_type": "token", "scope": "openid"}, "unsupported_response_type"),
        ({"response_type": "code", "scope": "email"}, "invalid_scope"),
        (
            {"response_type": "code", "scope": "openid", "code_challenge": "x" * 43, "code_challenge_method": "plain"},
            "invalid_request",
        ),
    ):
        back = answer(httpx.get(endpoint, params={**base, **params}))
        assert back["error"] == error and back["state"] == "s1"


def test_an_agency_client_sees_only_its_agency_and_others_are_denied(op: Sesame) -> None:
    agency = register(op, "Extranet AG7", "--agency", "AG7/SOC7")
    creds, _ = person(op)  # a contract of AG1 only
    browser, oauth = Browser(op), rp(op, agency)
    url, _, _ = authorization(oauth, op)
    assert answer(browser.sign_in(browser.go(url), creds["email"]))["error"] == "access_denied"
    mine, auth = person(op, client="AG7", company="SOC7")
    other = contract(op, client="AG1", company="SOC1")
    assert op.http.post("/me/accounts", headers=auth, json=provisional(other)).status_code in (200, 201)
    _, _, claims = signed_in(op, agency, mine["email"])  # one contract visible to this client: no page
    assert claims["contract"]["client_code"] == "AG7" and [c["client_code"] for c in claims["contracts"]] == ["AG7"]


def test_a_person_with_several_contracts_chooses_one(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, auth = person(op)
    other = contract(op)
    assert op.http.post("/me/accounts", headers=auth, json=provisional(other)).status_code in (200, 201)
    browser, oauth = Browser(op), rp(op, extranet)
    url, verifier, _ = authorization(oauth, op)
    page = browser.sign_in(browser.go(url), creds["email"])
    assert page.status_code == 200 and creds["login_id"] in page.text and other["login_id"] in page.text
    assert "checked" in page.text and "form-action 'self' http://127.0.0.1:9" in page.headers["content-security-policy"]
    forged = browser.http.post("/oidc/authorize/contrat", data={"csrf": "x", "request": "", "contract": "y"})
    assert forged.status_code == 403
    chosen_id = next(
        a["id"] for a in op.http.get("/me", headers=auth).json()["accounts"] if a["login_id"] == other["login_id"]
    )
    token = exchange(oauth, op, answer(browser.choose(page, chosen_id))["code"], verifier)
    _, claims = verified_claims(op, token["id_token"], extranet["client_id"])
    assert claims["contract"]["login_id"] == other["login_id"] and len(claims["contracts"]) == 2


def test_public_clients_must_use_pkce_and_confidential_ones_their_secret(op: Sesame, extranet: dict[str, Any]) -> None:
    app = register(op, "Application mobile", "--public")
    assert app["client_secret"] is None
    endpoint = discovery(op)["authorization_endpoint"]
    back = answer(httpx.get(endpoint, params={
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": REDIRECT, "scope": "openid",
    }))
    assert back["error"] == "invalid_request"
    creds, _ = person(op)
    _, _, claims = signed_in(op, app, creds["email"])
    assert claims["aud"] == [app["client_id"]] or claims["aud"] == app["client_id"]
    token_url = discovery(op)["token_endpoint"]
    wrong = httpx.post(token_url, auth=(extranet["client_id"], "not-the-secret"),
                       data={"grant_type": "refresh_token", "refresh_token": "x"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    no_secret = httpx.post(
        token_url, data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": extranet["client_id"]}
    )
    assert no_secret.json()["error"] == "invalid_client"
    _, posted, _ = signed_in(op, extranet, person(op)[0]["email"])
    assert posted["access_token"]
    via_post = rp(op, extranet, method="client_secret_post").refresh_token(
        token_url, refresh_token=posted["refresh_token"]
    )
    assert via_post["access_token"]


def test_introspection_and_revocation(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    _, token, _ = signed_in(op, extranet, creds["email"])
    meta, auth = discovery(op), (extranet["client_id"], extranet["client_secret"])
    seen = httpx.post(meta["introspection_endpoint"], auth=auth, data={"token": token["access_token"]}).json()
    assert seen["active"] is True and seen["client_id"] == extranet["client_id"] and seen["sub"]
    other = register(op, "Autre extranet")
    stranger = httpx.post(meta["introspection_endpoint"], auth=(other["client_id"], other["client_secret"]),
                          data={"token": token["access_token"]}).json()
    assert stranger == {"active": False}
    assert httpx.post(meta["introspection_endpoint"], data={"token": token["access_token"]}).status_code == 401
    assert httpx.post(meta["revocation_endpoint"], auth=auth, data={"token": token["access_token"]}).status_code == 200
    introspected = httpx.post(meta["introspection_endpoint"], auth=auth, data={"token": token["access_token"]})
    assert introspected.json() == {"active": False}
    assert httpx.post(meta["revocation_endpoint"], auth=auth, data={"token": "inconnu"}).status_code == 200


def test_bad_token_requests_get_oauth_errors_never_a_5xx(op: Sesame, extranet: dict[str, Any]) -> None:
    meta, auth = discovery(op), (extranet["client_id"], extranet["client_secret"])
    for data in ({}, {"grant_type": "password"}, {"grant_type": "authorization_code"},
                 {"grant_type": "authorization_code", "code": "\x00"}, {"grant_type": "refresh_token"}):
        answered = httpx.post(meta["token_endpoint"], auth=auth, data=data)
        assert 400 <= answered.status_code < 500 and answered.json()["error"], (data, answered.text)
    assert httpx.post(meta["token_endpoint"], auth=auth, content=b"\xff\xfe").status_code == 400
    assert httpx.get(meta["userinfo_endpoint"]).status_code == 401
    assert httpx.get(meta["userinfo_endpoint"], headers={"Authorization": "Bearer nope"}).status_code == 401


def test_login_next_accepts_only_paths_of_the_flow(op: Sesame) -> None:
    creds, _ = person(op)
    browser = Browser(op)
    page = browser.http.get("/login", params={"next": "https://evil.test/oidc/authorize"})
    assert 'name="next"' not in page.text
    form = {
        "csrf": browser.csrf(page), "email": creds["email"], "password": "Tr3s-Secret!", "next": "//evil.test/oidc/x"
    }
    assert browser.http.post("/login", data=form).headers["location"] == "/espace"


def test_tokens_signed_before_a_key_rotation_still_verify(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    browser, before, _ = signed_in(op, extranet, creds["email"])
    old_kid, _ = verified_claims(op, before["id_token"], extranet["client_id"])
    op.cli("keys", "rotate", check=True)
    kids = [key["kid"] for key in httpx.get(discovery(op)["jwks_uri"]).json()["keys"]]
    assert old_kid["kid"] in kids and len(kids) >= 2
    verified_claims(op, before["id_token"], extranet["client_id"])  # still verifies from the JWKS
    oauth = rp(op, extranet)
    url, verifier, _ = authorization(oauth, op)
    after = exchange(oauth, op, answer(browser.go(url))["code"], verifier)
    new_header, _ = verified_claims(op, after["id_token"], extranet["client_id"])
    assert new_header["kid"] == kids[0] != old_kid["kid"]


def test_several_serve_processes_share_keys_codes_and_tokens(op: Sesame, extranet: dict[str, Any]) -> None:
    """A load balancer may send each step to another ``serve``: the second one
    signs with the same key and honours the first one's codes and tokens."""
    if op.topology != "production":
        pytest.skip("several serve processes share a database on the production topology")
    second = op.serve_again()
    other = str(second.base_url).rstrip("/").removesuffix("/api/v1")
    assert httpx.get(other + "/oidc/jwks").json() == httpx.get(op.url + "/oidc/jwks").json()
    creds, _ = person(op)
    browser, oauth = Browser(op), rp(op, extranet)
    url, verifier, _ = authorization(oauth, op)
    code = answer(browser.sign_in(browser.go(url), creds["email"]))["code"]
    token = oauth.fetch_token(other + "/oidc/token", grant_type="authorization_code", code=code, code_verifier=verifier)
    verified_claims(op, token["id_token"], extranet["client_id"])
    refreshed = oauth.refresh_token(other + "/oidc/token", refresh_token=token["refresh_token"])
    info = httpx.get(op.url + "/oidc/userinfo", headers={"Authorization": f"Bearer {refreshed['access_token']}"})
    assert info.status_code == 200 and info.json()["sub"]
    second.close()


def test_an_authorization_request_may_also_be_posted(op: Sesame, extranet: dict[str, Any]) -> None:
    url, _, state = authorization(rp(op, extranet), op, prompt="none")
    endpoint, _, query = url.partition("?")
    back = answer(httpx.post(endpoint, content=query, headers={"content-type": "application/x-www-form-urlencoded"}))
    assert back["error"] == "login_required" and back["state"] == state


def test_login_hint_fills_the_form_and_max_age_asks_again(op: Sesame, extranet: dict[str, Any]) -> None:
    creds, _ = person(op)
    browser, oauth = Browser(op), rp(op, extranet)
    url, _, _ = authorization(oauth, op, login_hint=creds["email"])
    page = browser.go(url)
    assert f'value="{creds["email"]}"' in page.text and "login_hint" not in page.text
    back = answer(browser.sign_in(page, creds["email"]))
    assert back["code"]
    url, _, _ = authorization(oauth, op, max_age="3600")
    assert answer(browser.go(url))["code"]  # signed in moments ago
    url, _, _ = authorization(oauth, op, max_age="0", prompt="none")
    assert answer(browser.go(url))["error"] == "login_required"
    url, verifier, _ = authorization(oauth, op, max_age="0")
    token = exchange(oauth, op, answer(browser.sign_in(browser.go(url), creds["email"]))["code"], verifier)
    assert verified_claims(op, token["id_token"], extranet["client_id"])[1]["auth_time"]


def test_client_secrets_codes_and_tokens_never_rest_in_clear(op: Sesame) -> None:
    """After a sign-in and a refresh, neither the database files (embedded)
    nor any process's log hold the client secret, the code or a token."""
    client = register(op, "Extranet secret")
    creds, _ = person(op)
    browser, oauth = Browser(op), rp(op, client)
    url, verifier, _ = authorization(oauth, op)
    code = answer(browser.sign_in(browser.go(url), creds["email"]))["code"]
    token = exchange(oauth, op, code, verifier)
    refreshed = oauth.refresh_token(discovery(op)["token_endpoint"], refresh_token=token["refresh_token"])
    secrets = [client["client_secret"], code, token["access_token"], token["refresh_token"], refreshed["refresh_token"]]
    files = [p for p in op.root.rglob("*") if p.is_file() and (p.suffix == ".log" or ".db" in p.name)]
    assert files
    for path in files:
        content = path.read_bytes()
        assert not [s for s in secrets if s.encode() in content], path
    if op.topology == "production":
        rows = op.query("SELECT digest FROM oidc_tokens")
        assert rows and not {r["digest"] for r in rows} & set(secrets)
    cli_list = op.cli("clients", "list", "--json", check=True).stdout
    assert client["client_id"] in cli_list and client["client_secret"] not in cli_list


def test_clients_cli_refuses_bad_addresses_in_french_and_removes(op: Sesame) -> None:
    bad = op.cli("clients", "add", "X", "--redirect-uri", "http://ex.test/cb")
    assert bad.returncode == 1 and "https" in bad.stderr and "localhost" in bad.stderr
    fragment = op.cli("clients", "add", "X", "--redirect-uri", "https://ex.test/cb#x")
    assert fragment.returncode == 1 and "fragment" in fragment.stderr
    gone = register(op, "Extranet éphémère")
    assert op.cli("clients", "remove", gone["client_id"], check=True).returncode == 0
    assert gone["client_id"] not in op.cli("clients", "list", check=True).stdout
    page = httpx.get(
        discovery(op)["authorization_endpoint"],
        params={"client_id": gone["client_id"], "redirect_uri": REDIRECT, "response_type": "code", "scope": "openid"},
    )
    assert page.status_code == 400 and "location" not in page.headers
    assert op.cli("clients", "remove", gone["client_id"]).returncode == 1


def test_new_terms_are_accepted_on_the_way_to_the_client(tmp_path: Path) -> None:
    """New CGU: a person already signed in, or signing in, accepts them on the
    portal's page and goes on to the client; prompt=none answers interaction_required."""
    terms = tmp_path / "terms"
    shutil.copytree(TERMS_DIR, terms)
    sesame = Sesame(tmp_path, {"SECRET_KEY": TEST_SECRET, "TERMS_DIR": str(terms)})
    sesame.env["PUBLIC_URL"] = sesame.url
    try:
        sesame.serve()
        client = register(sesame)
        creds, _ = person(sesame)
        browser, oauth = Browser(sesame), rp(sesame, client)
        url, _, _ = authorization(oauth, sesame)
        assert answer(browser.sign_in(browser.go(url), creds["email"]))["code"]
        shutil.copytree(terms / sorted(p.name for p in terms.iterdir())[-1], terms / "2099-01-01")

        url, _, _ = authorization(oauth, sesame, prompt="none")
        assert answer(browser.go(url))["error"] == "interaction_required"
        url, _, _ = authorization(oauth, sesame)
        assert answer(accept_version(browser, browser.go(url), "2099-01-01"))["code"]
        other, _ = person(sesame)
        shutil.copytree(terms / "2099-01-01", terms / "2099-02-01")
        browser = Browser(sesame)
        url, verifier, _ = authorization(oauth, sesame)
        accepted = accept_version(browser, browser.sign_in(browser.go(url), other["email"]))
        assert exchange(oauth, sesame, answer(accepted)["code"], verifier)["id_token"]
    finally:
        sesame.stop()


def accept_version(browser: Browser, page: httpx.Response, version: str = "2099-02-01") -> httpx.Response:
    next_path = re.search(r'name="next" value="([^"]+)"', page.text)
    assert page.status_code == 200 and next_path, page.text
    form = {
        "csrf": browser.csrf(page),
        "accept_terms": "oui",
        "version": version,
        "next": html.unescape(next_path.group(1)),
    }
    return browser.follow(browser.http.post("/cgu/accepter", data=form))
