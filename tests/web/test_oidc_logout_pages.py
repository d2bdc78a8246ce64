"""The end-session endpoint's pages and « Applications connectées », through
the portal: the confirmation is CSRF-protected, every answer is a French page
(never a 5xx, never a redirect to an address the client did not register)."""

from __future__ import annotations

from tests.web.conftest import Portal


def test_the_confirmation_needs_the_pages_csrf_token(portal: Portal) -> None:
    portal.client.get("/")
    for data in ({}, {"csrf": "0" * 64, "post_logout_redirect_uri": "https://evil.test/"}):
        answer = portal.client.post("/oidc/logout/confirmer", data=data, follow_redirects=False)
        assert answer.status_code == 403 and "Demande refusée" in answer.text


def test_without_a_session_or_client_the_person_just_reads_they_are_signed_out(portal: Portal) -> None:
    for answer in (
        portal.client.get("/oidc/logout", params={"post_logout_redirect_uri": "https://evil.test/"}),
        portal.client.post("/oidc/logout", data={"client_id": "inconnu", "state": "x"}),
    ):
        assert answer.status_code == 200 and "Vous êtes déconnecté" in answer.text and 'lang="fr"' in answer.text
        assert "location" not in answer.headers


def test_odd_end_session_requests_get_a_french_page(portal: Portal) -> None:
    for answer in (
        portal.client.get("/oidc/logout", params={"id_token_hint": "pas-un-jeton"}),
        portal.client.post(
            "/oidc/logout", content=b"id_token_hint=\x00", headers={"content-type": "application/x-www-form-urlencoded"}
        ),
        portal.client.post(
            "/oidc/logout", content=b"a=" + b"x" * 70_000, headers={"content-type": "application/x-www-form-urlencoded"}
        ),
    ):
        assert answer.status_code == 400 and "Déconnexion impossible" in answer.text


def test_a_signed_in_person_is_asked_before_an_unnamed_logout(portal: Portal) -> None:
    creds = portal.activated()
    portal.log_in(creds["email"])
    asked = portal.client.get("/oidc/logout")
    assert asked.status_code == 200 and "Vous déconnecter ?" in asked.text
    assert portal.client.get("/espace", follow_redirects=False).status_code == 200
    apps = portal.client.get("/profil/applications")
    assert apps.status_code == 200 and "Aucune application" in apps.text
    confirmed = portal.submit("/oidc/logout", "/oidc/logout/confirmer")
    assert confirmed.status_code == 200 and "Vous êtes déconnecté" in confirmed.text
    assert portal.client.get("/espace", follow_redirects=False).status_code == 303
