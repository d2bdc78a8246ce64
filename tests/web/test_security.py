"""The portal's hardening (issue 6): headers, CSRF, cookies, sessions.

Each test names the OWASP ASVS 5.0 requirement it covers.
"""

from __future__ import annotations

import re

import pytest
from starlette.routing import Route

from tests.web.conftest import PASSWORD, Portal
from web import pages


def post_routes() -> list[str]:
    return sorted({r.path for r in pages.routes if isinstance(r, Route) and "POST" in (r.methods or set())})


def test_every_answer_carries_the_security_headers(portal: Portal) -> None:
    """ASVS V3.4.1–V3.4.6: CSP without inline script and with frame-ancestors
    'none', nosniff, a Referrer-Policy (the emailed links carry tokens); the API too."""
    for path in ("/", "/login", "/static/sesame.css", "/api/v1/me", "/healthz", "/nulle-part"):
        headers = portal.client.get(path).headers
        csp = headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "unsafe-inline" not in csp and "script-src 'self'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert "strict-transport-security" not in headers  # plain HTTP: HSTS would be meaningless


def test_pages_hold_no_inline_script_or_style(portal: Portal) -> None:
    """ASVS V3.4.3: nothing the CSP would block: no inline script, handler or style attribute."""
    for path in (
        "/",
        "/login",
        "/activation",
        "/fusion",
        "/aide",
        "/cgu",
        "/reset-password?token=x",
        "/mot-de-passe-oublie",
    ):
        html = portal.client.get(path).text
        assert not re.search(r"<script(?![^>]*\b(src=|type=\"application/json\"))", html), path
        assert not re.search(r"\son\w+=|\sstyle=", html), path


def test_behind_https_hsts_and_secure_host_cookies(portal: Portal) -> None:
    """ASVS V3.4.1 and V3.3.1: HSTS and Secure, ``__Host-`` cookies when the
    proxy says the browser came over HTTPS."""
    answer = portal.client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert answer.headers["strict-transport-security"].startswith("max-age=")
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith("__Host-csrf=") and "Secure" in cookie and "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower() and "Path=/" in cookie


@pytest.mark.parametrize("path", post_routes())
def test_a_post_without_a_valid_csrf_token_is_refused(portal: Portal, path: str) -> None:
    """ASVS V3.5.1: every form's POST needs the token; without it, or with
    another browser's, a French page answers 403 and nothing happens."""
    portal.client.get("/")  # the browser has its seed cookie
    missing = portal.client.post(path, data={"email": "x@exemple.fr"}, follow_redirects=False)
    forged = portal.client.post(path, data={"csrf": "0" * 64}, follow_redirects=False)
    for answer in (missing, forged):
        assert answer.status_code == 403, path
        assert "Demande refusée" in answer.text and 'lang="fr"' in answer.text


def test_a_cross_site_post_is_refused_even_with_a_token(portal: Portal) -> None:
    """ASVS V3.5.3: a browser saying the request comes from another site is refused."""
    token = portal.csrf("/login")
    answer = portal.client.post(
        "/login",
        data={"csrf": token, "email": "a@exemple.fr", "password": "x"},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert answer.status_code == 403


def test_odd_forms_are_refused_plainly(portal: Portal) -> None:
    """Bad input (issue 6): a NUL byte or an oversized form answers a page, never a 500."""
    token = portal.csrf("/login")
    nul = portal.client.post(
        "/login", content=f"csrf={token}&email=a%00b", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert nul.status_code == 400 and "caractères interdits" in nul.text
    huge = portal.client.post(
        "/login", content="email=" + "a" * 70_000, headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert huge.status_code == 413


def test_the_session_cookie_is_httponly_and_a_login_opens_a_new_session(portal: Portal) -> None:
    """ASVS V7.2.4 and V3.3.4: a new session token and a new CSRF seed at each
    login, the previous session of the browser ended; the cookie is HttpOnly, SameSite=Lax."""
    person = portal.activated()
    first = portal.log_in(person["email"])
    cookie = next(c for c in first.headers.get_list("set-cookie") if c.startswith("sesame="))
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower() and "Secure" not in cookie
    assert any(c.startswith("csrf=") for c in first.headers.get_list("set-cookie"))
    old_token = portal.client.cookies["sesame"]
    portal.log_in(person["email"])
    assert portal.client.cookies["sesame"] != old_token
    assert portal.container.sessions.current(old_token) is None


def test_an_idle_portal_session_ends_and_the_api_session_does_not(clocked: Portal) -> None:
    """ASVS V7.3.1 (inactivity) and V7.3.2 (absolute lifetime): a portal session
    ends after 30 minutes unused, and after 12 hours whatever its use; a bearer
    session of the API keeps its contract's lifetime."""
    person = clocked.activated()
    clocked.log_in(person["email"])
    api_token = clocked.container.sessions.log_in(person["email"], PASSWORD).token
    for _ in range(3):  # used every 25 minutes: still there
        clocked.clock.advance(minutes=25)
        assert clocked.client.get("/espace", follow_redirects=False).status_code == 200
    clocked.clock.advance(minutes=31)
    gone = clocked.client.get("/espace", follow_redirects=False)
    assert gone.status_code == 303 and gone.headers["location"] == "/login?info=expire"
    assert clocked.container.sessions.current(api_token) is not None

    clocked.log_in(person["email"])
    for _ in range(28):  # 11 h 40 of use, a page every 25 minutes
        clocked.clock.advance(minutes=25)
        assert clocked.client.get("/espace", follow_redirects=False).status_code == 200
    clocked.clock.advance(minutes=25)  # past 12 hours
    assert clocked.client.get("/espace", follow_redirects=False).status_code == 303


def test_logout_ends_the_session_and_is_a_post(portal: Portal) -> None:
    """ASVS V7.4.1: logging out ends the session on the server, not only the cookie."""
    person = portal.activated()
    portal.log_in(person["email"])
    token = portal.client.cookies["sesame"]
    assert portal.client.get("/deconnexion").status_code == 405  # a link cannot log anyone out
    answer = portal.submit("/espace", "/deconnexion")
    assert answer.headers["location"] == "/login?info=deconnecte"
    assert portal.container.sessions.current(token) is None
