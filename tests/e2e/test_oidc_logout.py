"""Ending sign-ins end to end (issue 13): a relying party's back-channel
logout endpoint (a small HTTP server in this process) receives a signed
logout_token, delivered by the worker, after a password change, a portal
logout, an erasure, a sign-out from « Applications connectées » and an
RP-initiated logout — also when it was down for a while; the ended sign-in's
refresh token no longer works. On both topologies."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.e2e.flows import PASSWORD, log_in, person
from tests.e2e.harness import Sesame
from tests.e2e.logout_receiver import LogoutReceiver
from tests.e2e.oidc_flows import discovery, register
from tests.e2e.test_oidc_flow import signed_in

pytestmark = pytest.mark.e2e
EVENT = "http://schemas.openid.net/event/backchannel-logout"
BYE = "http://127.0.0.1:9/bye"
NEW_PASSWORD = "Nouve@u-Secret-9"


@pytest.fixture
def extranet(op: Sesame, receiver: LogoutReceiver) -> dict[str, Any]:
    """A client told by back-channel (its own receiver per test)."""
    return register(op, "Extranet Dupont", "--backchannel-logout-uri", receiver.url, "--post-logout-redirect-uri", BYE)


def logout_claims(op: Sesame, token: str) -> dict[str, Any]:
    """A logout_token's claims, its signature checked against the JWKS (§2.4, §2.6)."""
    decoded = jwt.decode(
        token, KeySet.import_key_set(httpx.get(discovery(op)["jwks_uri"]).json()), algorithms=["RS256"]
    )
    assert decoded.header["typ"] == "logout+jwt"
    claims = dict(decoded.claims)
    assert claims["iss"] == op.url and claims["events"] == {EVENT: {}} and "nonce" not in claims
    assert claims["iat"] <= claims["exp"] and claims["jti"]
    return claims


def told(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any], id_claims: dict[str, Any], count: int = 1
) -> None:
    """The receiver got a logout token for exactly that sign-in."""
    claims = logout_claims(op, receiver.wait_for(count)[count - 1])
    assert (claims["aud"], claims["sub"], claims["sid"]) == (extranet["client_id"], id_claims["sub"], id_claims["sid"])


def refresh_refused(op: Sesame, client: dict[str, Any], token: dict[str, Any]) -> bool:
    answer = httpx.post(
        discovery(op)["token_endpoint"], auth=(client["client_id"], client["client_secret"]),
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
    )
    return answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


def test_a_password_change_tells_the_client_and_ends_its_refresh_token(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, auth = person(op)
    _, token, claims = signed_in(op, extranet, creds["email"])
    changed = op.http.post("/me/password", headers=auth, json={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD, "new_password_confirmation": NEW_PASSWORD,
    })
    assert changed.status_code == 204, changed.text
    told(op, receiver, extranet, claims)
    assert refresh_refused(op, extranet, token)
    assert receiver.requests[0]["content_type"] == "application/x-www-form-urlencoded"


def test_a_portal_logout_tells_the_client_even_if_it_was_down_for_a_while(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, _ = person(op)
    browser, token, claims = signed_in(op, extranet, creds["email"])
    receiver.stop()
    space = browser.http.get("/espace")
    assert browser.http.post("/deconnexion", data={"csrf": browser.csrf(space)}).status_code == 303
    assert refresh_refused(op, extranet, token)
    receiver.start()  # the worker's retries reach it once it is back
    told(op, receiver, extranet, claims)


def test_an_erasure_tells_the_client(op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]) -> None:
    creds, auth = person(op)
    _, token, claims = signed_in(op, extranet, creds["email"])
    assert op.http.request("DELETE", "/me", headers=auth, json={"password": PASSWORD}).status_code == 202
    told(op, receiver, extranet, claims)
    assert refresh_refused(op, extranet, token)
    if op.database:  # no token record of the person is left
        assert op.query("SELECT digest FROM oidc_tokens WHERE identity_id = %(id)s", {"id": claims["sub"]}) == []


def test_the_person_signs_out_of_an_application_from_the_portal(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, auth = person(op)
    browser, token, claims = signed_in(op, extranet, creds["email"])
    page = browser.http.get("/profil/applications")
    assert page.status_code == 200 and "Extranet Dupont" in page.text
    action = re.search(r'action="(/profil/applications/[^"]+/deconnexion)"', page.text)
    assert action, page.text
    assert browser.http.post(action.group(1), data={"csrf": browser.csrf(page)}).status_code == 303
    told(op, receiver, extranet, claims)
    assert refresh_refused(op, extranet, token)
    assert "Extranet Dupont" not in browser.http.get("/profil/applications").text
    history = [e["description"] for e in op.http.get("/me/history", headers=auth).json()["events"]]
    assert history[-2:] == [
        "Connexion à l'application Extranet Dupont pour le bien : "
        f"Bien de l'identifiant {creds['login_id']} · votre agence",
        "Déconnexion de l'application Extranet Dupont (depuis « Applications connectées »)",
    ]
    exported = op.http.get("/me/export", headers=auth).json()["history"]
    assert [e["description"] for e in exported[-2:]] == history[-2:]


def test_rp_initiated_logout_to_a_registered_address(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, _ = person(op)
    browser, token, claims = signed_in(op, extranet, creds["email"])
    answer = browser.http.get("/oidc/logout", params={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": BYE, "state": "etat-42",
    })
    assert answer.status_code == 303 and answer.headers["location"] == f"{BYE}?state=etat-42"
    assert browser.http.get("/espace").headers["location"].startswith("/login")  # the portal session ended
    told(op, receiver, extranet, claims)
    assert refresh_refused(op, extranet, token)


def test_rp_initiated_logout_never_redirects_to_an_unregistered_address(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, _ = person(op)
    browser, token, claims = signed_in(op, extranet, creds["email"])
    answer = browser.http.post("/oidc/logout", data={
        "id_token_hint": token["id_token"], "post_logout_redirect_uri": "https://evil.test/", "state": "x",
    })
    assert answer.status_code == 200 and "Vous êtes déconnecté" in answer.text and "evil.test" not in answer.text
    told(op, receiver, extranet, claims)


def test_rp_initiated_logout_without_a_hint_asks_the_person_first(
    op: Sesame, receiver: LogoutReceiver, extranet: dict[str, Any]
) -> None:
    creds, _ = person(op)
    browser, _, claims = signed_in(op, extranet, creds["email"])
    asked = browser.http.get(
        "/oidc/logout", params={"client_id": extranet["client_id"], "post_logout_redirect_uri": BYE}
    )
    assert asked.status_code == 200 and "Vous déconnecter\u00a0?" in asked.text and "Extranet Dupont" in asked.text
    assert browser.http.get("/espace").status_code == 200  # nothing ended yet
    form = {"csrf": browser.csrf(asked), "client_id": extranet["client_id"], "post_logout_redirect_uri": BYE}
    confirmed = browser.http.post("/oidc/logout/confirmer", data=form)
    assert confirmed.status_code == 303 and confirmed.headers["location"] == BYE
    told(op, receiver, extranet, claims)


def test_a_forged_hint_is_refused_in_french(op: Sesame, extranet: dict[str, Any]) -> None:
    answer = httpx.get(op.url + "/oidc/logout", params={"id_token_hint": "abc.def.ghi"})
    assert answer.status_code == 400 and "id_token_hint" in answer.text and 'lang="fr"' in answer.text


def test_an_api_logout_ends_the_api_session_only(op: Sesame, extranet: dict[str, Any]) -> None:
    """A bearer session never signed into a client: its logout tells nobody and breaks nothing."""
    creds, _ = person(op)
    auth = log_in(op, creds["email"])
    assert op.http.delete("/sessions/current", headers=auth).status_code == 204
