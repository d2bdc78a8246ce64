"""The console's sign-in pages through the test client (issue 15): the
invitation, the password, the mandatory two-step set-up, sign-in with a code,
the gate, the session's own cookie and deadlines, logout, disabling."""

from __future__ import annotations

import re
import sqlite3

import pyotp
import pytest

from application.errors import Refused
from tests.e2e.test_two_step_api import wrong_code
from tests.web.conftest import PASSWORD, Portal
from tests.web.test_pages import alert, error_of
from tests.web.test_two_step_pages import secret_on

EMAIL = "claire@sesame.fr"


def invite(portal: Portal, email: str = EMAIL, role: str = "support", agency: str | None = None) -> str:
    """``sesame staff add --email``'s invitation; its token, read from the mail."""
    portal.container.staff.add("Claire Support", role, agency, email)
    return portal.link(email, "/console/invitation")


def password_chosen(portal: Portal, email: str = EMAIL) -> str:
    token = invite(portal, email)
    fields = {"token": token, "password": PASSWORD, "password_confirmation": PASSWORD}
    chosen = portal.submit(f"/console/invitation?token={token}", **fields)
    assert chosen.status_code == 303 and chosen.headers["location"] == "/console/deux-etapes", chosen.text
    return token


def enrolled(portal: Portal, email: str = EMAIL) -> tuple[pyotp.TOTP, list[str]]:
    """A member through the invitation, the password and the two-step set-up."""
    password_chosen(portal, email)
    setup = portal.submit("/console/deux-etapes")
    totp = pyotp.TOTP(secret_on(setup.text))
    done = portal.submit("/console/deux-etapes", "/console/deux-etapes/confirmer", code=totp.at(portal.clock.now()))
    assert "Ils ne seront plus jamais affichés" in done.text, done.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", done.text)
    assert len(codes) == 10
    return totp, codes


def sign_in(portal: Portal, code: str, email: str = EMAIL, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    return portal.submit("/console", email=email, password=password, code=code)


def sign_in_to(portal: Portal, page: str, totp: pyotp.TOTP, next_path: str):  # type: ignore[no-untyped-def]
    """The sign-in form of ``page`` sent with a way back (``next``)."""
    return portal.submit(page, email=EMAIL, password=PASSWORD, code=totp.at(portal.clock.now()), next=next_path)


def test_the_invitation_mail_is_french_and_its_page_never_uses_it(portal: Portal) -> None:
    token = invite(portal)
    mail = portal.wait_for_mail(EMAIL)
    assert "console Sésame" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"http://127.0.0.1:8000/console/invitation?token={token}" in text and "valable jusqu'au" in text
    assert mail.get_body(("html",)) is not None
    for _ in range(2):  # opening it (a mail scanner, a second look) leaves it usable
        page = portal.client.get(f"/console/invitation?token={token}")
        assert page.status_code == 200 and "Claire Support" in page.text and EMAIL in page.text
        assert 'id="password-policy"' in page.text and 'data-criterion="uppercase"' in page.text
    bad = portal.client.get("/console/invitation?token=" + "x" * 65)
    assert bad.status_code == 400 and "plus valable" in bad.text


def test_the_password_follows_the_people_policy_and_the_invitation_serves_once(portal: Portal) -> None:
    token = invite(portal)
    page = f"/console/invitation?token={token}"
    weak = portal.submit(page, token=token, password="court", password_confirmation="court")
    assert weak.status_code == 422 and "critères" in error_of(weak.text, "password")
    assert 'class="unmet"' in weak.text
    mismatch = portal.submit(page, token=token, password=PASSWORD, password_confirmation=PASSWORD + "x")
    assert mismatch.status_code == 422 and error_of(mismatch.text, "password_confirmation")
    assert portal.submit(page, token=token, password=PASSWORD, password_confirmation=PASSWORD).status_code == 303
    again = portal.client.post(
        "/console/invitation", data={"csrf": portal.csrf("/console"), "token": token, "password": PASSWORD,
                                     "password_confirmation": PASSWORD}, follow_redirects=False,
    )
    assert again.status_code == 400 and "plus valable" in again.text  # used twice
    assert portal.client.get(page).status_code == 400


def test_two_step_set_up_comes_before_any_console_page(portal: Portal) -> None:
    password_chosen(portal)
    answer = portal.client.get("/console/accueil", follow_redirects=False)
    assert answer.headers["location"] == "/console/deux-etapes"
    intro = portal.client.get("/console/deux-etapes")
    assert "obligatoire" in intro.text and "<svg" not in intro.text
    setup = portal.submit("/console/deux-etapes")
    svg = re.search(r"<svg [^>]*>", setup.text)
    assert svg and 'class="qr"' in svg.group(0)
    secret = secret_on(setup.text)
    assert secret not in portal.client.get("/console/deux-etapes").text.replace(" ", "")  # a reload never shows it
    totp = pyotp.TOTP(secret)
    wrong = wrong_code(totp, portal.clock.now().timestamp())
    refused = portal.submit("/console/deux-etapes", "/console/deux-etapes/confirmer", code=wrong)
    assert refused.status_code == 422 and "pas valable" in error_of(refused.text, "code")
    done = portal.submit("/console/deux-etapes", "/console/deux-etapes/confirmer", code=totp.at(portal.clock.now()))
    assert done.status_code == 200 and "Claire Support" in done.text and "Déconnexion" in done.text
    home = portal.client.get("/console/accueil")
    assert home.status_code == 200 and "Bonjour Claire Support" in home.text and "Support" in home.text
    assert 'href="/console/recherche"' in home.text
    assert portal.client.get("/console/deux-etapes", follow_redirects=False).headers["location"] == "/console/accueil"
    assert "désactiver" not in home.text.lower()  # staff cannot turn it off


def test_sign_in_asks_for_email_password_and_code_with_one_answer_for_every_failure(clocked: Portal) -> None:
    portal = clocked
    totp, codes = enrolled(portal)
    portal.submit("/console/accueil", "/console/deconnexion")
    away = portal.client.get("/console/accueil", follow_redirects=False)
    assert away.headers["location"].startswith("/console?next=")
    portal.clock.advance(seconds=30)
    failures = [
        sign_in(portal, totp.at(portal.clock.now()), password="Pas-le-bon-1!"),
        sign_in(portal, wrong_code(totp, portal.clock.now().timestamp())),
        sign_in(portal, "", email="inconnu@sesame.fr"),
        sign_in(portal, ""),
    ]
    for failure in failures:
        assert failure.status_code == 401 and alert(failure.text) == "Adresse email, mot de passe ou code incorrect."
    signed = sign_in(portal, totp.at(portal.clock.now()))
    assert signed.status_code == 303 and signed.headers["location"] == "/console/accueil"
    cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("console="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert portal.client.get("/console/accueil").status_code == 200
    portal_page = portal.client.get("/espace", follow_redirects=False)
    assert portal_page.headers["location"].startswith("/login")  # a console session is no portal session
    portal.submit("/console/accueil", "/console/deconnexion")
    replay = sign_in(portal, totp.at(portal.clock.now()))
    assert replay.status_code == 401  # that time step served already
    assert sign_in(portal, codes[0]).headers["location"] == "/console/accueil"  # a recovery code, once
    portal.submit("/console/accueil", "/console/deconnexion")
    assert sign_in(portal, codes[0]).status_code == 401


def test_the_gate_brings_a_member_back_where_they_were_going(clocked: Portal) -> None:
    portal = clocked
    totp, _ = enrolled(portal)
    portal.submit("/console/accueil", "/console/deconnexion")
    away = portal.client.get("/console/accueil?x=1", follow_redirects=False).headers["location"]
    assert away == "/console?next=%2Fconsole%2Faccueil%3Fx%3D1"
    portal.clock.advance(seconds=30)
    back = sign_in_to(portal, away, totp, "/console/accueil?x=1")
    assert back.headers["location"] == "/console/accueil?x=1"
    portal.submit("/console/accueil", "/console/deconnexion")
    portal.clock.advance(seconds=30)
    elsewhere = sign_in_to(portal, "/console", totp, "//evil.example/console/")
    assert elsewhere.headers["location"] == "/console/accueil"


def test_a_console_session_ends_after_15_minutes_unused_and_after_8_hours(clocked: Portal) -> None:
    portal = clocked
    totp, _ = enrolled(portal)
    portal.clock.advance(minutes=14)
    assert portal.client.get("/console/accueil").status_code == 200  # used: pushed back
    portal.clock.advance(minutes=14)
    assert portal.client.get("/console/accueil").status_code == 200
    portal.clock.advance(minutes=16)
    gone = portal.client.get("/console/accueil", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"].startswith("/console?next=")
    portal.clock.advance(seconds=30)
    assert sign_in(portal, totp.at(portal.clock.now())).status_code == 303
    signed_at = portal.clock.now()
    while portal.client.get("/console/accueil", follow_redirects=False).status_code == 200:
        portal.clock.advance(minutes=10)  # busy all day
    assert 7.8 * 3600 <= (portal.clock.now() - signed_at).total_seconds() <= 8 * 3600 + 60  # the test's own seconds


def test_disabling_a_member_ends_their_console_session_at_once(clocked: Portal) -> None:
    portal = clocked
    totp, _ = enrolled(portal)
    assert portal.client.get("/console/accueil").status_code == 200
    portal.container.staff.disable(EMAIL)
    assert portal.client.get("/console/accueil", follow_redirects=False).headers["location"].startswith("/console")
    portal.clock.advance(seconds=30)
    refused = sign_in(portal, totp.at(portal.clock.now()))
    assert refused.status_code == 401 and alert(refused.text) == "Adresse email, mot de passe ou code incorrect."


def test_wrong_codes_are_throttled_like_passwords(clocked: Portal) -> None:
    portal = clocked
    totp, _ = enrolled(portal)
    portal.submit("/console/accueil", "/console/deconnexion")
    statuses = [sign_in(portal, wrong_code(totp, portal.clock.now().timestamp())).status_code for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    throttled = sign_in(portal, totp.at(portal.clock.now()))
    assert throttled.status_code == 429 and "Retry-After" in throttled.headers


def test_every_console_form_needs_its_csrf_token(portal: Portal) -> None:
    token = invite(portal)
    forms = {
        "/console": {"email": EMAIL, "password": PASSWORD, "code": "123456"},
        "/console/invitation": {"token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
        "/console/deconnexion": {},
    }
    for path, data in forms.items():
        answer = portal.client.post(path, data=data, follow_redirects=False)
        assert answer.status_code == 403 and "expiré" in answer.text, path
    assert portal.client.get(f"/console/invitation?token={token}").status_code == 200  # still usable


def test_console_pages_hold_no_inline_script_or_style_and_the_cookie_is_secure_behind_https(portal: Portal) -> None:
    token = invite(portal)
    for path in ("/console", f"/console/invitation?token={token}", "/console/invitation?token=x"):
        html = portal.client.get(path).text
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html), path
        assert not re.search(r"\son\w+=|\sstyle=", html), path
        assert 'href="/static/sesame.css"' in html and "Console Sésame" in html
    page = portal.client.get(f"/console/invitation?token={token}", headers={"X-Forwarded-Proto": "https"})
    csrf, seed = re.search(r'name="csrf" value="([^"]+)"', page.text), page.cookies.get("__Host-csrf")
    assert csrf and seed
    portal.client.cookies.clear()  # a Secure cookie is not sent over the test's plain HTTP: sent by hand
    chosen = portal.client.post(
        "/console/invitation", headers={"X-Forwarded-Proto": "https", "Cookie": f"__Host-csrf={seed}"},
        follow_redirects=False,
        data={"csrf": csrf.group(1), "token": token, "password": PASSWORD, "password_confirmation": PASSWORD},
    )
    cookie = next(h for h in chosen.headers.get_list("set-cookie") if "console=" in h)
    assert cookie.startswith("__Secure-console=") and "Secure" in cookie and "Path=/console" in cookie


def test_a_new_invitation_replaces_the_earlier_one_until_the_password_is_chosen(portal: Portal) -> None:
    first = invite(portal)
    portal.container.staff.invite_again(EMAIL)
    second = portal.link(EMAIL, "/console/invitation", count=2)
    assert second != first
    assert portal.client.get(f"/console/invitation?token={first}").status_code == 400
    assert portal.submit(f"/console/invitation?token={second}", token=second, password=PASSWORD,
                         password_confirmation=PASSWORD).status_code == 303
    with pytest.raises(Refused):
        portal.container.staff.invite_again(EMAIL)  # the password is chosen: nothing to invite to


def test_no_secret_of_the_console_is_kept_in_clear(clocked: Portal) -> None:
    """The password, the two-step secret, the recovery codes and the session
    token never reach the database files as they are; the address is sealed
    in the events (the outbox row that mails it holds it, as for people)."""
    portal = clocked
    totp, codes = enrolled(portal)
    portal.clock.advance(seconds=30)
    signed = sign_in(portal, totp.at(portal.clock.now()))
    cookie = next(h for h in signed.headers.get_list("set-cookie") if h.startswith("console="))
    token = cookie.split(";")[0].split("=", 1)[1]
    stored = b"".join(p.read_bytes() for p in (portal.root / "var").glob("sesame.db*"))
    for secret in (PASSWORD, totp.secret, *codes, token):
        assert secret.encode() not in stored, secret
    with sqlite3.connect(portal.root / "var" / "sesame.db") as db:
        events = b"".join(row[0] for row in db.execute("SELECT state FROM stored_events"))
    assert EMAIL.encode() not in events and b"pii:v1:" in events
