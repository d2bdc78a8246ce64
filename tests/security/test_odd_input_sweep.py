"""Odd values everywhere the app reads the client (cookies, form fields, query
parameters, headers), and every ``Accept`` on every 404 and 405: never a 5xx
(issue 19, finding 7).

The cases come from the application itself, so a new page, form field,
cookie or mount is swept without anyone remembering: the routes from the
app's route table, the form fields from the portal's sources and templates,
the cookies from the modules that name them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from urllib.parse import quote_from_bytes

import httpx
import pytest
from starlette.routing import BaseRoute, Mount, Route

from tests.e2e.flows import PASSWORD, person
from tests.e2e.harness import Sesame
from web import app, console_gate, pages_common, pages_login, security

WEB = Path(pages_common.__file__).parent
ODD = {
    "non-ascii": "é☃ ünïcödé.😀 \u202e".encode(),  # a dot: shaped as a signed cookie
    "long": b"x" * 4000,
    "binary": bytes(range(128, 256)),
    "controls": b"\x00\x01\x1b[0m\x7f",
    "lone-surrogate": "\ud800".encode("utf-8", "surrogatepass"),
    "separators": b"%00%zz;=\",.\\",
}
ACCEPTS = (b"text/html", b"text/html,application/xhtml+xml,*/*;q=0.8", b"application/json", b"*/*", b"", "é/ü".encode())
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")


def table() -> dict[str, set[str]]:
    """Every address of the app (path parameters filled in), with its methods;
    a mounted app (the static files) as one address under its mount."""
    found: dict[str, set[str]] = {}

    def walk(routes: Sequence[BaseRoute], prefix: str) -> None:
        for route in routes:
            if isinstance(route, Mount):
                if route.routes:
                    walk(route.routes, prefix + route.path)
                else:
                    found.setdefault(prefix + route.path + "/x", set()).update({"GET", "HEAD"})
            else:
                assert isinstance(route, Route), route
                path = re.sub(r"\{[^}]+\}", "x", prefix + route.path)
                found.setdefault(path, set()).update(route.methods or set())

    walk(app.routes, "")
    return found


ROUTES = table()
PORTAL = {path: methods for path, methods in ROUTES.items() if security.on_portal(path)}
COOKIES = (security.CSRF_COOKIE, pages_common.SESSION_COOKIE, *pages_login.PORTAL_COOKIES, console_gate.CONSOLE_COOKIE)


def form_fields() -> set[str]:
    """Every field a portal form shows or a portal page reads."""
    files = (*WEB.glob("pages*.py"), *WEB.glob("console*.py"), *(WEB / "templates").rglob("*.html"))
    sources = [p.read_text() for p in files]
    patterns = (r'form(?:\.get\(|\[)"(\w+)"', r'name="(\w+)"', r'(?:field|password)\("(\w+)"')
    names = {name for text in sources for pattern in patterns for name in re.findall(pattern, text)}
    return (names | {security.CSRF_FIELD, "client", "societe", "info", "token"}) - {"viewport"}


FIELDS = sorted(form_fields())


def cookie_value(value: bytes) -> bytes:
    """What a header can carry: no control characters."""
    return bytes(b for b in value if 0x20 <= b != 0x7F)


def no_server_error(answer: httpx.Response, what: object) -> None:
    assert answer.status_code < 500, (what, answer.status_code, answer.text[:300])


class Browser:
    """A browser on the portal: its cookies as a dict, sent as one raw header,
    so a test can put any bytes in one of them."""

    def __init__(self, sesame: Sesame) -> None:
        self.http = httpx.Client(base_url=sesame.url, timeout=30, headers={"X-Forwarded-For": "203.0.113.77"})
        self.cookies: dict[str, bytes] = {}

    def request(
        self, method: str, path: str, cookies: dict[str, bytes] | None = None,
        headers: dict[bytes, bytes] | None = None, content: bytes | None = None,
    ) -> httpx.Response:
        jar = {**self.cookies, **(cookies or {})}
        header = b"; ".join(name.encode() + b"=" + value for name, value in jar.items())
        answer = self.http.request(method, path, headers={b"Cookie": header, **(headers or {})}, content=content)
        for name, value in answer.cookies.items():
            self.cookies[name] = value.encode()
        return answer

    def csrf(self) -> bytes:
        """From the sign-in form, or, signed in (``/login`` leads on), from « Mon espace »'s logout form."""
        page = self.request("GET", "/login")
        if page.is_redirect:
            page = self.request("GET", "/espace")
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match
        return match.group(1).encode()

    def post_form(self, path: str, fields: dict[str, bytes], cookies: dict[str, bytes] | None = None) -> httpx.Response:
        body = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in fields.items())
        return self.request(
            "POST", path, cookies, content=body.encode(), headers={
                b"Content-Type": b"application/x-www-form-urlencoded"
            }
        )


@pytest.fixture(scope="module")
def browsers(sesame: Sesame) -> Iterator[dict[str, Browser]]:
    """An anonymous browser and a signed-in one (through the portal's login form)."""
    anonymous, signed_in = Browser(sesame), Browser(sesame)
    creds, _ = person(sesame)
    fields = {"csrf": signed_in.csrf(), "email": creds["email"].encode(), "password": PASSWORD.encode()}
    assert signed_in.post_form("/login", fields).status_code == 303
    assert pages_common.SESSION_COOKIE in signed_in.cookies
    yield {"anonymous": anonymous, "signed-in": signed_in}
    for browser in (anonymous, signed_in):
        browser.http.close()


def portal_posts() -> list[str]:
    """The portal's form addresses, logging out last (it ends the session)."""
    return sorted((p for p, methods in PORTAL.items() if "POST" in methods), key=lambda p: p == "/deconnexion")


@pytest.mark.parametrize("who", ["anonymous", "signed-in"])
def test_odd_cookies_on_every_portal_page(browsers: dict[str, Browser], who: str) -> None:
    browser = browsers[who]
    token = browser.csrf()
    for path in [p for p, methods in PORTAL.items() if "GET" in methods]:
        for name in COOKIES:
            for kind, value in ODD.items():
                odd = {name: cookie_value(value)}
                no_server_error(browser.request("GET", path, odd), (path, name, kind))
    for path in portal_posts():
        for name in COOKIES:
            for kind, value in ODD.items():
                answer = browser.post_form(path, {"csrf": token}, {name: cookie_value(value)})
                no_server_error(answer, (path, name, kind))


@pytest.mark.parametrize("who", ["anonymous", "signed-in"])
def test_odd_values_in_every_form_field_and_query_parameter(browsers: dict[str, Browser], who: str) -> None:
    browser = browsers[who]
    for kind, value in ODD.items():
        # Cut so the address stays within what the HTTP server reads (16 KiB).
        query = "&".join(f"{name}={quote_from_bytes(value[:600])}" for name in FIELDS)
        for path in [p for p, methods in PORTAL.items() if "GET" in methods]:
            no_server_error(browser.request("GET", f"{path}?{query}"), (path, kind))
        for path in portal_posts():
            token = browser.csrf()
            fields = {name: value for name in FIELDS if name != "csrf"}
            no_server_error(browser.post_form(path, {"csrf": token, **fields}), (path, kind))
            no_server_error(browser.post_form(path, {**fields, "csrf": value}), (path, "csrf", kind))


def test_every_accept_on_every_404_and_405_of_every_mount(sesame: Sesame) -> None:
    assert {"/healthz", "/static/x", "/login"} <= set(ROUTES) and any(p.startswith("/api/v1/") for p in ROUTES)
    with httpx.Client(base_url=sesame.url, timeout=30) as http:
        for path, allowed in ROUTES.items():
            probes = [("GET", path.rstrip("/") + "/nulle-part/ici")] + [(m, path) for m in METHODS if m not in allowed]
            for method, address in probes:
                for accept in ACCEPTS:
                    answer = http.request(method, address, headers={b"Accept": accept}, content=b"")
                    no_server_error(answer, (method, address, accept))
                    assert answer.status_code in (404, 405), (method, address, accept, answer.status_code)


HEADERS = (
    "Authorization",
    "Idempotency-Key",
    "X-Request-ID",
    "X-Forwarded-Proto",
    "Sec-Fetch-Site",
    "Content-Type",
    "Cookie",
)


def test_odd_values_in_the_headers_the_app_reads_on_every_route(sesame: Sesame) -> None:
    with httpx.Client(base_url=sesame.url, timeout=30) as http:
        for path, allowed in ROUTES.items():
            method = "POST" if "POST" in allowed else sorted(allowed)[0]
            for name in HEADERS:
                for kind in ("non-ascii", "binary", "long"):
                    headers = {name.encode(): cookie_value(ODD[kind]), b"X-Forwarded-For": b"203.0.113.78"}
                    no_server_error(
                        http.request(method, path, headers=headers, content=b"a=1"), (method, path, name, kind)
                    )


def test_nothing_reached_the_500_handler(sesame: Sesame) -> None:
    """After the sweeps above (this module's server)."""
    log = (sesame.root / "serve.log").read_text()
    assert "unexpected error" not in log and "Traceback" not in log
