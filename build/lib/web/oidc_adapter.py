"""A thin Starlette adapter for Authlib's authorization server.

Authlib ships server integrations for Flask and Django only; this one follows
``authlib/integrations/flask_oauth2``: the request's query and bounded form
body are read on the event loop into an ``OAuth2Request``, the server runs in
the thread pool (it reads the store and signs tokens), and its ``(status,
body, headers)`` answer becomes a Starlette response. JSON errors also carry
the house's French ``message`` beside OAuth's ``error``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any
from urllib.parse import parse_qsl

from authlib.oauth2 import OAuth2Request
from authlib.oauth2.rfc6749 import OAuth2Payload
from authlib.oauth2.rfc6749.errors import OAuth2Error
from starlette.requests import Request
from starlette.responses import Response

from web.security import FormRefused, bounded_body, over_https

MESSAGES = {
    "invalid_request": "La requête est incomplète ou mal formée.",
    "invalid_client": "Application inconnue ou mal authentifiée.",
    "invalid_grant": "Ce code ou ce jeton est invalide, expiré ou déjà utilisé.",
    "unauthorized_client": "Cette application n'a pas droit à cette demande.",
    "unsupported_grant_type": "Ce type de demande (grant_type) n'est pas pris en charge.",
    "unsupported_token_type": "Ce type de jeton n'est pas pris en charge.",
    "invalid_scope": "La portée demandée (scope) est invalide.",
    "invalid_token": "Jeton d'accès absent, invalide ou expiré.",
    "insufficient_scope": "Ce jeton ne donne pas accès à cette ressource.",
    "insecure_transport": "Cette adresse demande une connexion https.",
}


class Payload(OAuth2Payload):
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self._datalist: defaultdict[str, list[str]] = defaultdict(list)
        for name, value in pairs:
            self._datalist[name].append(value)
        self._data = {name: values[0] for name, values in self._datalist.items()}

    @property
    def data(self) -> dict[str, str]:
        return self._data

    @property
    def datalist(self) -> defaultdict[str, list[str]]:
        return self._datalist


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, request: Request, query: list[tuple[str, str]], form: list[tuple[str, str]]) -> None:
        # Authlib refuses plain http but on the loopback: the request counts as
        # https when the portal's own rule says so (a TLS proxy, an https PUBLIC_URL).
        url = request.url.replace(scheme="https") if over_https(request) else request.url
        super().__init__(request.method, str(url), headers=request.headers)
        self._args = dict(query)
        self._form = dict(form)
        self.payload = Payload(query + form)

    @property
    def args(self) -> dict[str, str]:
        return self._args

    @property
    def form(self) -> dict[str, str]:
        return self._form


def pairs(raw: str) -> list[tuple[str, str]]:
    """Urlencoded pairs; a name or value with a control character is refused."""
    found = parse_qsl(raw, keep_blank_values=True, max_num_fields=100)
    if any(ord(c) < 32 for name, value in found for c in name + value):
        raise ValueError("control character")
    return found


async def oauth2_request(request: Request, query: str | None = None) -> StarletteOAuth2Request:
    """The OAuth request: the address's query and a form body, or only
    ``query`` (a request carried through a page). Raises OAuth2Error for what
    cannot be read."""
    form: list[tuple[str, str]] = []
    try:
        if request.method == "POST" and query is None:
            form = pairs((await bounded_body(request)).decode("utf-8"))
        return StarletteOAuth2Request(request, pairs(request.url.query if query is None else query), form)
    except (FormRefused, UnicodeDecodeError, ValueError) as error:
        raise OAuth2Error(error="invalid_request", status_code=400) from error


def response(answer: tuple[int, Any, list[tuple[str, str]]]) -> Response:
    status, body, headers = answer
    if isinstance(body, dict):
        if "error" in body:
            body = {**body, "message": MESSAGES.get(body["error"], "La demande est invalide.")}
        body = json.dumps(body, ensure_ascii=False)
    return Response(body, status_code=status, headers=dict(headers))


def error_response(error: OAuth2Error) -> Response:
    return response(error())
