"""Reading requests safely: a bounded JSON body (its fields: web/body_schema.py), the bearer token."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from application.device_words import MAX_USER_AGENT
from application.errors import Refused
from application.sessions import SignInDevice
from web.body_size import read_bounded, too_large

MAX_FIELD = 1024


async def json_body(request: Request, shape: type = dict) -> Any:
    """The request's JSON object (or list, for ``shape=list``); 413 past 1 MiB
    (see ``body_limit``), 400 when it is not JSON of that shape."""
    raw = await read_bounded(request.stream())
    if raw is None:
        raise too_large()
    if not raw.strip():
        return shape()
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:  # RecursionError: [[[[...]]]] nested too deep
        raise Refused("malformed_json", "Le corps de la requête n'est pas du JSON valide.") from error
    if not isinstance(body, shape):
        expected = "un objet" if shape is dict else "une liste"
        raise Refused("malformed_json", f"Le corps de la requête doit être {expected} JSON.")
    refuse_odd_text(body)
    return body


def refuse_odd_text(body: Any) -> None:
    """Every string of the body (keys too) must be text UTF-8 can carry and
    without NUL: a lone surrogate (``\\ud800`` in JSON) is valid JSON that no hash,
    digest or database can take, and a NUL truncates strings in C libraries."""
    pending = [body]
    while pending:  # a loop, not recursion: nesting depth is the attacker's choice
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                raise Refused("invalid_request", "Le texte ne peut pas contenir de caractère nul.")
            try:
                item.encode("utf-8")
            except UnicodeEncodeError as error:
                raise Refused("malformed_json", "Le corps de la requête contient un texte Unicode invalide.") from error


def client_address(request: Request) -> str | None:
    """The client's network address, which the throttle counts per. Behind a
    reverse proxy it is the X-Forwarded-For entry uvicorn trusts: only from
    the proxies listed in ``FORWARDED_ALLOW_IPS`` (uvicorn's default: loopback
    only), so a client cannot pick its own address."""
    return request.client.host if request.client else None


def sign_in_device(request: Request, device_key: str | None = None) -> SignInDevice:
    """Where a sign-in comes from: the client address (as the throttles count
    it), the User-Agent, and the portal's device cookie when there is one."""
    user_agent = request.headers.get("user-agent", "")[:MAX_USER_AGENT]
    return SignInDevice(client_address(request), user_agent, device_key)


def bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
