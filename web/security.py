"""The portal's browser defences: security headers, cookies, CSRF tokens.

OWASP ASVS 5.0 V3 (web frontend) and V7 (sessions), issue 6's portal bullet.
Every answer, the API's included, carries the headers; the CSRF seed and the
portal's cookies concern the HTML pages only (the API authenticates by a bearer
header, which a cross-site form cannot send).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import HTTPConnection, Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.body_size import read_bounded
from web.use_cases import services

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    "font-src 'self'",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
))
HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    # The emailed links carry their token in the query: no page may pass its address on.
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
HSTS = "max-age=31536000; includeSubDomains"
NOT_PORTAL = ("/api/", "/static/", "/healthz")

CSRF_COOKIE, CSRF_FIELD = "csrf", "csrf"
MAX_FORM = 64 * 1024  # the longest portal form is a few hundred bytes


def on_portal(path: str) -> bool:
    """The portal's pages are every address but the API, the static files and
    the health check: only they have a CSRF seed, cookies and HTML answers."""
    return not path.startswith(NOT_PORTAL)


def same_secret(given: str, expected: str) -> bool:
    """Constant-time equality of a value the client sent and the one expected,
    on their UTF-8 bytes: ``hmac.compare_digest`` refuses non-ASCII text."""
    return hmac.compare_digest(given.encode("utf-8", "surrogatepass"), expected.encode("utf-8", "surrogatepass"))


def over_https(connection: HTTPConnection) -> bool:
    """Whether the browser reached us over TLS: directly, through a proxy that
    says so (X-Forwarded-Proto), or because PUBLIC_URL is https. A client lying
    in X-Forwarded-Proto over plain HTTP only gets cookies its browser won't return."""
    if connection.scope.get("scheme") == "https" or services(connection).public_url.startswith("https://"):
        return True  # read from the scope: building ``connection.url`` costs more than the rest of this check
    return connection.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower() == "https"


def cookie_name(connection: HTTPConnection, name: str) -> str:
    """Behind HTTPS the ``__Host-`` prefix makes the browser refuse the cookie
    from a sibling subdomain or over plain HTTP (cookie tossing)."""
    return f"__Host-{name}" if over_https(connection) else name


def read_cookie(connection: HTTPConnection, name: str) -> str | None:
    return connection.cookies.get(cookie_name(connection, name)) or None


def set_cookie(
    response: Response, connection: HTTPConnection, name: str, value: str, max_age: int | None = None
) -> None:
    """HttpOnly and SameSite=Lax always, Secure behind HTTPS; without ``max_age``
    the cookie ends with the browser."""
    secure = over_https(connection)
    response.set_cookie(
        cookie_name(connection, name), value, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax"
    )


def delete_cookie(response: Response, connection: HTTPConnection, name: str) -> None:
    secure = over_https(connection)
    response.delete_cookie(cookie_name(connection, name), path="/", secure=secure, httponly=True, samesite="lax")


class SecurityHeadersMiddleware:
    """Adds the headers to every answer that does not set its own, HSTS behind
    HTTPS, and ``no-store`` to everything but the static files (pages show
    personal data and carry CSRF tokens)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        https = over_https(connection)
        static = scope["path"].startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if https:
                    headers.setdefault("strict-transport-security", HSTS)
                if not static:
                    headers.setdefault("cache-control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class CsrfSeedMiddleware:
    """Gives each browser a random CSRF seed in an HttpOnly cookie; the forms
    carry a keyed digest of it (the signed double-submit pattern of OWASP's CSRF
    cheat sheet), so a token cannot be forged without SECRET_KEY even by someone
    who can plant a cookie."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not on_portal(scope["path"]):
            await self.app(scope, receive, send)
            return
        connection = HTTPConnection(scope)
        seed = read_cookie(connection, CSRF_COOKIE)
        fresh = seed is None or not valid_seed(seed)
        if fresh:
            seed = new_seed()
        scope.setdefault("state", {})["csrf_seed"] = seed

        async def send_with_seed(message: Message) -> None:
            if fresh and message["type"] == "http.response.start":
                cookie = Response()
                set_cookie(cookie, connection, CSRF_COOKIE, str(seed))
                MutableHeaders(scope=message).append("set-cookie", cookie.headers["set-cookie"])
            await send(message)

        await self.app(scope, receive, send_with_seed)


def new_seed() -> str:
    return secrets.token_urlsafe(32)


def valid_seed(seed: str) -> bool:
    return len(seed) == 43 and seed.isascii() and all(c.isalnum() or c in "-_" for c in seed)


def csrf_token(request: Request) -> str:
    """The token the request's forms carry: a keyed digest of the browser's seed."""
    seed: str = request.state.csrf_seed
    return services(request).directory.keys.digest("portal-csrf", seed)


def renew_csrf(response: Response, request: Request) -> None:
    """A new seed at login, so a token seen before it is worthless after (ASVS V7.2.4)."""
    set_cookie(response, request, CSRF_COOKIE, new_seed())


class FormRefused(Exception):
    """A POST the portal will not read: its status and the French words to show."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def csrf_refused() -> FormRefused:
    return FormRefused(
        403,
        "Cette page a expiré ou la demande ne vient pas de ce site. "
        "Revenez à la page précédente, rechargez-la et recommencez.",
    )


async def checked_form(request: Request) -> Mapping[str, str]:
    """The POSTed form's fields (first value of each), once its CSRF token
    matches; ``FormRefused`` otherwise. A browser saying the request comes from
    another site (Sec-Fetch-Site) is refused even with a token. Read once per
    request: the checked fields stay on ``request.state``."""
    checked: Mapping[str, str] | None = getattr(request.state, "checked_form", None)
    if checked is not None:
        return checked
    if request.headers.get("sec-fetch-site") == "cross-site":
        raise csrf_refused()
    if request.headers.get("content-type", "").startswith("multipart/form-data"):
        fields = await multipart_fields(request)
    else:
        fields = parse_form(await bounded_body(request))
    if not same_secret(fields.get(CSRF_FIELD, ""), csrf_token(request)):
        raise csrf_refused()
    request.state.checked_form = fields
    return fields


async def bounded_body(request: Request) -> bytes:
    body = await read_bounded(request.stream(), MAX_FORM)
    if body is None:
        raise FormRefused(413, "Le formulaire envoyé est trop long.")
    return body


async def multipart_fields(request: Request) -> dict[str, str]:
    """A form with a file (the console's CSV upload): its text fields, checked
    like ``parse_form``'s; the file stays in ``request.form()`` (parsed once,
    spooled to disk, the whole request bounded to 1 MiB by ``BodyLimitMiddleware``)."""
    try:
        form = await request.form(max_files=1, max_fields=40)
    except HTTPException as error:  # Starlette's answer to a malformed multipart body
        raise FormRefused(400, "Le formulaire envoyé est illisible.") from error
    fields: dict[str, str] = {}
    for name, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(*_allowed(name, value))
    return fields


def parse_form(raw: bytes) -> dict[str, str]:
    """An urlencoded body as text fields; invalid UTF-8 and control characters
    (NUL included) are refused, as the API refuses them."""
    try:
        pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=40, strict_parsing=False)
    except (UnicodeDecodeError, ValueError) as error:
        raise FormRefused(400, "Le formulaire envoyé est illisible.") from error
    fields: dict[str, Any] = {}
    for name, value in pairs:
        fields.setdefault(*_allowed(name, value))
    return fields


def _allowed(name: str, value: str) -> tuple[str, str]:
    """A form field, unless it holds a control character (NUL included)."""
    if any(ord(c) < 32 and c not in "\t\r\n" for c in name + value):
        raise FormRefused(400, "Le formulaire contient des caractères interdits.")
    return name, value
