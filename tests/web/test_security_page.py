"""« Sécurité » (issue 14): the person's sessions in words, ending one or the others
with CSRF-protected forms and no JavaScript, the last sign-in on « Mon espace »,
and the portal's device cookie deciding when a new-device notice goes out."""

from __future__ import annotations

import re
import time

from tests.web.conftest import PASSWORD, Portal

API = "/api/v1"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
NOTICE = "Nouvelle connexion à votre compte"


def api_session(portal: Portal, email: str, user_agent: str = IPHONE) -> str:
    answer = portal.client.post(
        f"{API}/sessions", json={"email": email, "password": PASSWORD}, headers={"user-agent": user_agent}
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def notices(portal: Portal, to: str) -> int:
    return sum(NOTICE in str(m["Subject"]) for m in portal.mails(to))


def wait_for_notices(portal: Portal, to: str, count: int) -> None:
    deadline = time.monotonic() + 15
    while notices(portal, to) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert notices(portal, to) == count


def test_the_page_lists_both_devices_and_ends_the_other(portal: Portal) -> None:
    person = portal.activated()
    portal.log_in(person["email"])
    token = api_session(portal, person["email"])
    page = portal.client.get("/profil/securite")
    assert page.status_code == 200
    assert "Safari sur iPhone" in page.text and "Cet appareil" in page.text
    assert "Déconnecter les autres appareils" in page.text and "Déconnecter cet appareil" in page.text
    assert re.search(r"le \d{1,2}(er)? \w+ \d{4} à \d{1,2} h \d{2}", page.text)  # French dates
    other = re.search(r'name="session" value="([^"]+)"', page.text)
    assert other is not None
    ended = portal.submit("/profil/securite", "/profil/securite/fermer", session=other.group(1))
    assert ended.status_code == 303 and ended.headers["location"] == "/profil/securite?info=session-fermee"
    assert portal.client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    after = portal.client.get("/profil/securite?info=session-fermee")
    assert "Safari sur iPhone" not in after.text and "La session a été fermée" in after.text
    assert portal.client.get("/espace").status_code == 200  # this browser is still signed in


def test_disconnect_the_other_devices(portal: Portal) -> None:
    person = portal.activated()
    portal.log_in(person["email"])
    tokens = [api_session(portal, person["email"]), api_session(portal, person["email"], "curl/8.0")]
    wrong = portal.submit("/profil/securite/fermer-autres", "/profil/securite/fermer-autres", password="pas le bon")
    assert wrong.status_code == 401 and "Mot de passe actuel incorrect" in wrong.text  # one throttled proof
    blank = portal.submit("/profil/securite/fermer-autres", "/profil/securite/fermer-autres", password="")
    assert blank.status_code == 422 and "Indiquez votre mot de passe" in blank.text
    for token in tokens:
        assert portal.client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"}).status_code == 200
    ended = portal.submit("/profil/securite/fermer-autres", "/profil/securite/fermer-autres", password=PASSWORD)
    assert ended.headers["location"] == "/profil/securite?info=autres-fermees"
    for token in tokens:
        assert portal.client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"}).status_code == 401
    history = portal.client.get("/profil/historique").text
    assert "Sessions fermées depuis « Sécurité » : Safari sur iPhone, curl" in history
    assert "Connexion depuis un nouvel appareil (Safari sur iPhone" in history


def test_forms_need_their_csrf_token_and_a_session_of_the_person(portal: Portal) -> None:
    first, second = portal.activated(), portal.activated()
    token = api_session(portal, second["email"])
    sid = portal.client.get(f"{API}/me/sessions", headers={"authorization": f"Bearer {token}"}).json()["sessions"][0][
        "id"
    ]
    portal.log_in(first["email"])
    forged = portal.client.post("/profil/securite/fermer-autres", data={"csrf": "x"}, follow_redirects=False)
    assert forged.status_code == 403
    refused = portal.submit("/profil/securite", "/profil/securite/fermer", session=sid)  # another person's
    assert refused.status_code == 404 and "Session introuvable" in refused.text
    assert portal.client.get(f"{API}/me", headers={"authorization": f"Bearer {token}"}).status_code == 200


def test_my_space_shows_the_last_sign_in_and_links_security(portal: Portal) -> None:
    person = portal.activated()
    portal.log_in(person["email"])
    space = portal.client.get("/espace").text
    assert "Dernière connexion : le " in space and "(cet appareil)" in space
    assert 'href="/profil/securite"' in space
    assert 'href="/profil/securite"' in portal.client.get("/profil").text


def test_the_device_cookie_sends_one_notice_per_browser(portal: Portal) -> None:
    """The first sign-in only remembers its browser; another browser (a cookie
    never seen) gets one notice, the same browser again none, a failure none."""
    person = portal.activated()
    portal.log_in(person["email"])
    cookie = portal.client.cookies.get("appareil")
    assert cookie and len(cookie) >= 43
    portal.log_in(person["email"])  # the same browser again
    portal.submit("/login", email=person["email"], password="Faux-Secret-1")  # a failed sign-in
    portal.client.cookies.delete("appareil")  # a browser never seen: its own cookie
    portal.log_in(person["email"])
    second = portal.client.cookies.get("appareil")
    assert second and second != cookie
    wait_for_notices(portal, person["email"], 1)
    portal.log_in(person["email"])  # that browser again
    portal.client.cookies.set("appareil", cookie)  # and the first one again
    portal.log_in(person["email"])
    time.sleep(0.5)
    assert notices(portal, person["email"]) == 1
