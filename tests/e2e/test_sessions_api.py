"""Issue 14 through a running server, on both topologies: the person's sessions
(`/me/sessions`) with their devices in French words, ending one or all the
others, and « Nouvelle connexion à votre compte » once per new device."""

from __future__ import annotations

import re
import time

import httpx

from tests.e2e.flows import PASSWORD, log_in, person
from tests.e2e.harness import Sesame, body_text, wait_until

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)
WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:127.0) Gecko/20100101 Firefox/127.0"
NOTICE = "Nouvelle connexion à votre compte"


def sign_in(sesame: Sesame, email: str, user_agent: str, password: str = PASSWORD) -> httpx.Response:
    return sesame.http.post(
        "/sessions", json={"email": email, "password": password}, headers={"user-agent": user_agent}
    )


def bearer(answer: httpx.Response) -> dict[str, str]:
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def notices(sesame: Sesame, email: str) -> list[str]:
    return [body_text(m) for m in sesame.mails(email) if NOTICE in str(m["Subject"])]


def test_two_devices_listed_in_french_then_one_ended_then_the_others(sesame: Sesame) -> None:
    creds, _ = person(sesame)
    phone = bearer(sign_in(sesame, creds["email"], IPHONE))
    android = bearer(sign_in(sesame, creds["email"], ANDROID))
    listed = sesame.http.get("/me/sessions", headers=phone)
    assert listed.status_code == 200
    sessions = listed.json()["sessions"]
    by_device = {s["device"]: s for s in sessions}
    assert {"Safari sur iPhone", "Chrome sur Android"} <= set(by_device)
    assert by_device["Safari sur iPhone"]["current"] is True and by_device["Chrome sur Android"]["current"] is False
    assert [s["current"] for s in sessions].count(True) == 1
    for session in sessions:
        assert session["ip"] == "127.0.0.1" and session["created_at"] and session["last_seen_at"]
        assert len(session["id"]) >= 16 and session["applications"] == []
    assert not any(len(s["id"]) == 64 for s in sessions)  # a public sid, never a token's SHA-256

    ended = sesame.http.delete(f"/me/sessions/{by_device['Chrome sur Android']['id']}", headers=phone)
    assert ended.status_code == 204
    assert sesame.http.get("/me", headers=android).status_code == 401
    assert "Chrome sur Android" not in {
        s["device"] for s in sesame.http.get("/me/sessions", headers=phone).json()["sessions"]
    }
    again = sesame.http.delete(f"/me/sessions/{by_device['Chrome sur Android']['id']}", headers=phone)
    assert again.status_code == 404 and again.json()["error"] == "not_found"

    windows = bearer(sign_in(sesame, creds["email"], WINDOWS))
    assert sesame.http.delete("/me/sessions", headers=phone).status_code == 204
    assert sesame.http.get("/me", headers=windows).status_code == 401
    assert [s["device"] for s in sesame.http.get("/me/sessions", headers=phone).json()["sessions"]] == [
        "Safari sur iPhone"
    ]
    events = sesame.http.get("/me/history", headers=phone).json()["events"]
    history = [e["description"].replace("\u00a0", " ") for e in events]
    assert "Sessions fermées depuis « Sécurité » : Chrome sur Android" in history
    assert any(d.startswith("Sessions fermées depuis « Sécurité » : ") and "Firefox sur Windows" in d for d in history)


def test_another_persons_session_is_not_found(sesame: Sesame) -> None:
    _, mine = person(sesame)
    _, theirs = person(sesame)
    their_id = sesame.http.get("/me/sessions", headers=theirs).json()["sessions"][0]["id"]
    for unknown in (their_id, "inconnu", "x" * 300):
        refused = sesame.http.delete(f"/me/sessions/{unknown}", headers=mine)
        assert refused.status_code == 404 and refused.json()["error"] == "not_found", refused.text
    assert sesame.http.get("/me", headers=theirs).status_code == 200
    assert sesame.http.get("/me/sessions").status_code == 401


def test_the_notice_goes_once_per_new_device_and_never_on_failure(sesame: Sesame) -> None:
    creds, _ = person(sesame)  # the first sign-in (httpx's User-Agent) only remembers its device
    email = creds["email"]
    bearer(sign_in(sesame, email, IPHONE))  # a new device: one notice
    bearer(sign_in(sesame, email, IPHONE))  # the same again: none
    assert sign_in(sesame, email, ANDROID, password="Mauvais-Secret-1").status_code == 401  # a failure: none
    log_in(sesame, email)  # the first device again: none
    bearer(sign_in(sesame, email, WINDOWS))  # another new device: the second notice
    wait_until(lambda: len(notices(sesame, email)) >= 2, "two new-device notices")
    time.sleep(1)  # anything queued before the last one has had its turn
    texts = notices(sesame, email)
    assert len(texts) == 2
    assert sum("Safari sur iPhone" in t for t in texts) == 1 and sum("Firefox sur Windows" in t for t in texts) == 1
    assert not any("Chrome sur Android" in t for t in texts)


def test_the_notice_says_when_which_device_where_and_how_to_secure_the_account(sesame: Sesame) -> None:
    creds, _ = person(sesame)
    bearer(sign_in(sesame, creds["email"], ANDROID))
    wait_until(lambda: notices(sesame, creds["email"]), "the new-device notice")
    message = next(m for m in sesame.mails(creds["email"]) if NOTICE in str(m["Subject"]))
    text = body_text(message).replace("\u00a0", " ")  # French typography's non-breaking spaces
    assert re.search(
        r"le \d{1,2}(er)? (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|"
        r"décembre) \d{4} à \d{1,2} h \d{2} \(heure de Paris\)",
        text,
    ), text
    assert "appareil : Chrome sur Android" in text and "adresse : 127.0.0.1" in text
    assert "http://portal.test/mot-de-passe-oublie" in text
    html = message.get_body(("html",))
    assert (
        html is not None and "Chrome sur Android" in html.get_content() and "/mot-de-passe-oublie" in html.get_content()
    )


def test_the_portal_device_cookie_is_the_device(sesame: Sesame) -> None:
    """A browser keeps its device cookie across sign-ins: a second sign-in with
    it sends nothing, the same browser without it is a new device."""
    creds, _ = person(sesame)

    def portal_sign_in(browser: httpx.Client) -> None:
        """A sign-in from this browser, its device cookie kept and any earlier
        session dropped (``/login`` leads a signed-in person to « Mon espace »)."""
        for cookie in list(browser.cookies.jar):
            if cookie.name != "appareil":
                browser.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
        page = browser.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        answer = browser.post("/login", data={"csrf": csrf.group(1), "email": creds["email"], "password": PASSWORD})
        assert answer.status_code == 303 and answer.headers["location"] == "/espace", answer.text

    with httpx.Client(base_url=sesame.url, headers={"user-agent": IPHONE}) as browser:
        portal_sign_in(browser)  # a new device (a cookie never seen): a notice
        cookie = browser.cookies.get("appareil")
        assert cookie
        portal_sign_in(browser)  # with its cookie: none
        browser.cookies.clear()
        portal_sign_in(browser)  # the same User-Agent, no cookie: a new device
    wait_until(lambda: len(notices(sesame, creds["email"])) >= 2, "two portal notices")
    time.sleep(1)
    assert len(notices(sesame, creds["email"])) == 2
