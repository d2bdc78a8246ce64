"""An activation under way in this browser: its token and what the next steps
show (the holder, the suggested and the chosen email), in an HttpOnly cookie.

The token never appears in an address; the cookie is signed with a key derived
from SECRET_KEY so the pages can trust its shape. A step whose activation is
gone (never started here, reset, superseded) sends the person back to step 1,
unless it ended verified (the emailed link opened meanwhile, perhaps on
another device): then the page says so and offers to sign in. After a reset
the cookie keeps only the codes typed, to fill in step 1 again.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from functools import wraps
from typing import Any, TypeVar

from starlette.requests import Request
from starlette.responses import Response

from application.errors import Refused
from web.pages_common import call, message, page, redirect
from web.security import delete_cookie, read_cookie, same_secret, set_cookie
from web.use_cases import services

T = TypeVar("T")
COOKIE = "activation"
COOKIE_AGE = 24 * 3600  # as long as a verification link lives


def _mac(request: Request, payload: str) -> str:
    return str(services(request).directory.keys.digest("portal-activation", payload))


def load_state(request: Request) -> dict[str, Any] | None:
    """The activation under way in this browser, or None."""
    raw = read_cookie(request, COOKIE) or ""
    payload, _, mac = raw.rpartition(".")
    if not payload or not same_secret(mac, _mac(request, payload)):
        return None
    state: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload))
    return state


def save_state(response: Response, request: Request, state: dict[str, Any]) -> Response:
    payload = base64.urlsafe_b64encode(json.dumps(state).encode()).decode()
    set_cookie(response, request, COOKIE, f"{payload}.{_mac(request, payload)}", COOKIE_AGE)
    return response


def forget_state(response: Response, request: Request) -> Response:
    delete_cookie(response, request, COOKIE)
    return response


class Lost(Exception):
    """The step's activation is gone: never started here, reset, or superseded."""


async def lost(request: Request, state: dict[str, Any] | None) -> Response:
    """Where a step of a gone activation leads: « Adresse vérifiée » if it
    ended so, else step 1."""
    token = (state or {}).get("token")
    email = await call(services(request).activation.verified_address, token) if token else None
    if email:
        return forget_state(verified_meanwhile(request, email), request)
    return forget_state(redirect("/activation"), request)


def verified_meanwhile(request: Request, email: str) -> Response:
    return message(
        request, "Adresse vérifiée",
        f"L'adresse {email} est déjà vérifiée : votre compte est activé. Connectez-vous avec cette adresse et "
        "le mot de passe que vous avez choisi.",
        link="/login", link_text="Me connecter", success=True,
    )


async def step_call(function: Callable[..., T], *args: Any) -> T:
    """A use case of a later step; a dead activation sends back to step 1."""
    try:
        return await call(function, *args)
    except Refused as refusal:
        if refusal.code == "activation_not_found":
            raise Lost() from refusal
        raise


StepHandler = Callable[[Request, dict[str, Any]], Awaitable[Response]]


def step(handler: StepHandler) -> Callable[[Request], Awaitable[Response]]:
    """A page of a later step: it needs this browser's activation state."""

    @page
    @wraps(handler)
    async def endpoint(request: Request) -> Response:
        state = load_state(request)
        if state is None or "token" not in state:
            return await lost(request, None)
        try:
            return await handler(request, state)
        except Lost:
            return await lost(request, state)

    return endpoint
