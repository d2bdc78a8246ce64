"""Two-step sign-in in the portal, without JavaScript: turning it on from the
profile, the code page at sign-in, turning it off. The clock is the test's, so
each code's time step is chosen."""

from __future__ import annotations

import html as html_lib
import re

import pyotp

from tests.e2e.test_two_step_api import wrong_code
from tests.web.conftest import PASSWORD, Portal
from tests.web.test_pages import alert, error_of


def secret_on(page: str) -> str:
    match = re.search(r'id="cle-secrete"[^>]*><code>([A-Z2-7 ]+)</code>', page)
    assert match, page
    return match.group(1).replace(" ", "")


def turned_on(portal: Portal) -> tuple[dict[str, str], pyotp.TOTP, list[str]]:
    """A person signed in who turned two-step sign-in on through the pages."""
    creds = portal.activated()
    portal.log_in(creds["email"])
    setup = portal.submit("/profil/deux-etapes", password=PASSWORD)
    assert setup.status_code == 200, setup.text
    totp = pyotp.TOTP(secret_on(setup.text))
    codes_page = portal.submit("/profil/deux-etapes", "/profil/deux-etapes/confirmer", code=totp.at(portal.clock.now()))
    assert "Ils ne seront plus jamais affichés" in codes_page.text, codes_page.text
    codes = re.findall(r"<li><code>([a-z0-9-]+)</code></li>", codes_page.text)
    assert len(set(codes)) == 10
    return creds, totp, codes


def test_turning_on_shows_a_qr_code_and_the_secret_behind_the_password(clocked: Portal) -> None:
    portal = clocked
    creds = portal.activated()
    portal.log_in(creds["email"])
    assert "Désactivée" in portal.client.get("/profil").text
    wrong = portal.submit("/profil/deux-etapes", password="Pas-le-bon-1")
    assert wrong.status_code == 401 and error_of(wrong.text, "password")
    setup = portal.submit("/profil/deux-etapes", password=PASSWORD)
    svg = re.search(r"<svg [^>]*>", setup.text)
    assert (
        svg
        and 'class="qr"' in svg.group(0)
        and "viewBox=" in svg.group(0)
        and "style=" not in setup.text.split("<main")[1]
    )
    secret = secret_on(setup.text)
    assert "otpauth" not in portal.client.get("/profil/deux-etapes").text  # a reload never shows the secret again
    assert secret not in html_lib.unescape(portal.client.get("/profil/deux-etapes").text)
    refused = portal.submit(
        "/profil/deux-etapes",
        "/profil/deux-etapes/confirmer",
        code=wrong_code(pyotp.TOTP(secret), portal.clock.now().timestamp()),
    )
    assert refused.status_code == 422 and "pas valable" in error_of(refused.text, "code")
    assert secret not in refused.text
    done = portal.submit(
        "/profil/deux-etapes", "/profil/deux-etapes/confirmer", code=pyotp.TOTP(secret).at(portal.clock.now())
    )
    assert done.status_code == 200 and "Imprimez-les" in done.text
    assert "Activée" in portal.client.get("/profil").text


def test_sign_in_asks_for_the_code_on_a_second_page(clocked: Portal) -> None:
    portal = clocked
    creds, totp, codes = turned_on(portal)
    portal.submit("/espace", "/deconnexion")
    first = portal.submit("/login", email=creds["email"], password=PASSWORD)
    assert first.headers["location"] == "/login/code"
    # no session yet
    assert portal.client.get("/espace", follow_redirects=False).headers["location"].startswith("/login")
    replay = portal.submit("/login/code", code=totp.at(portal.clock.now()))
    assert replay.status_code == 422 and "déjà servi" in error_of(replay.text, "code")
    portal.clock.advance(seconds=30)
    signed = portal.submit("/login/code", code=totp.at(portal.clock.now()))
    assert signed.headers["location"] == "/espace"
    assert portal.client.get("/espace").status_code == 200
    # the cookie is gone
    assert portal.client.get("/login/code", follow_redirects=False).headers["location"] == "/login"
    portal.submit("/espace", "/deconnexion")
    portal.submit("/login", email=creds["email"], password=PASSWORD)
    assert portal.submit("/login/code", code=codes[0]).headers["location"] == "/espace"  # a recovery code


def test_a_wrong_password_never_reaches_the_code_page(clocked: Portal) -> None:
    portal = clocked
    creds, _, _ = turned_on(portal)
    portal.submit("/espace", "/deconnexion")
    wrong = portal.submit("/login", email=creds["email"], password="Pas-le-bon-1")
    assert wrong.status_code == 401 and "location" not in wrong.headers


def test_an_expired_challenge_sends_back_to_the_password(clocked: Portal) -> None:
    portal = clocked
    creds, totp, _ = turned_on(portal)
    portal.submit("/espace", "/deconnexion")
    portal.submit("/login", email=creds["email"], password=PASSWORD)
    portal.clock.advance(minutes=6)
    late = portal.submit("/login/code", code=totp.at(portal.clock.now()))
    assert "expiré" in alert(late.text) and 'href="/login"' in late.text


def test_wrong_codes_at_sign_in_are_throttled(clocked: Portal) -> None:
    portal = clocked
    creds, _, _ = turned_on(portal)
    portal.submit("/espace", "/deconnexion")
    portal.submit("/login", email=creds["email"], password=PASSWORD)
    answers = [portal.submit("/login/code", code="zz-pas-un-code") for _ in range(6)]
    assert [a.status_code for a in answers] == [422] * 5 + [429]
    assert "Trop de tentatives" in error_of(answers[-1].text, "code") and answers[-1].headers["Retry-After"]


def test_turning_off_takes_the_password_and_a_code(clocked: Portal) -> None:
    portal = clocked
    creds, totp, codes = turned_on(portal)
    page = portal.client.get("/profil/deux-etapes").text
    assert "est activée" in page and "/profil/deux-etapes/desactiver" in page
    wrong = portal.submit(
        "/profil/deux-etapes",
        "/profil/deux-etapes/desactiver",
        password=PASSWORD,
        code=wrong_code(totp, portal.clock.now().timestamp()),
    )
    assert wrong.status_code == 422 and error_of(wrong.text, "code")
    blank = portal.submit("/profil/deux-etapes", "/profil/deux-etapes/desactiver", password=PASSWORD, code="")
    assert blank.status_code == 422 and error_of(blank.text, "code") and "/profil/deux-etapes/desactiver" in blank.text
    off = portal.submit("/profil/deux-etapes", "/profil/deux-etapes/desactiver", password=PASSWORD, code=codes[3])
    assert off.headers["location"] == "/profil?info=deux-etapes-desactivee"
    portal.submit("/espace", "/deconnexion")
    assert portal.log_in(creds["email"]).headers["location"] == "/espace"
