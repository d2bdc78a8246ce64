"""The contract's error shape, ``{"error", "message"}``, for every refusal."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Match, Mount, Route
from starlette.types import Scope

from application.errors import Refused
from web.security import on_portal

log = logging.getLogger(__name__)

STATUS = {
    "malformed_json": 400,
    "invalid_token": 400,
    "invalid_credentials": 401,
    "invalid_passkey": 401,
    "unauthenticated": 401,
    "email_not_verified": 403,
    "forbidden": 403,
    "terms_acceptance_required": 403,
    "two_step_required": 403,
    "activation_not_found": 404,
    "not_found": 404,
    "method_not_allowed": 405,
    "already_activated": 409,
    "already_linked": 409,
    "email_taken": 409,
    "email_required": 409,
    "step_out_of_order": 409,
    "too_many_passkeys": 409,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "invalid_request": 422,
    "invalid_email": 422,
    "weak_password": 422,
    "idempotency_key_reused": 422,
    "password_mismatch": 422,
    "same_password": 422,
    "email_mismatch": 422,
    "invalid_code": 422,
    "terms_not_accepted": 422,
    "too_many_attempts": 429,
}
HTTP_CODES = {404: "not_found", 405: "method_not_allowed", 413: "payload_too_large"}
HTTP_MESSAGES = {
    404: "Cette adresse n'existe pas.",
    405: "Cette méthode n'est pas permise ici.",
    413: "La requête dépasse 1 Mio.",
}


def error_response(code: str, message: str, status: int | None = None, **details: Any) -> JSONResponse:
    return JSONResponse({"error": code, "message": message, **details}, status_code=status or STATUS.get(code, 400))


async def refused(request: Request, exc: Exception) -> JSONResponse:
    if not isinstance(exc, Refused):
        raise RuntimeError("broken invariant: not isinstance(exc, Refused)")
    response = error_response(exc.code, exc.message, **exc.details)
    if "retry_after" in exc.details:  # a throttled request: RFC 9110 §10.2.3
        response.headers["Retry-After"] = str(exc.details["retry_after"])
    return response


def wants_page(request: Request) -> bool:
    """A browser on the portal gets a French page; the API, the static files,
    the health check and their clients, JSON."""
    return on_portal(request.url.path) and "text/html" in request.headers.get("accept", "")


async def http_error(request: Request, exc: Exception) -> Response:
    if not isinstance(exc, HTTPException):
        raise RuntimeError("broken invariant: not isinstance(exc, HTTPException)")
    code = HTTP_CODES.get(exc.status_code, "http_error")
    text = HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
    if wants_page(request):
        from web.pages_common import message  # the portal's templates, loaded only for pages

        return message(
            request,
            "Page introuvable" if exc.status_code == 404 else "Demande impossible",
            text,
            exc.status_code,
            link="/",
            link_text="Revenir à l'accueil",
        )
    response = error_response(code, text, exc.status_code)
    response.headers.update(exc.headers or {})
    if exc.status_code == 405:
        address = {"type": "http", "path": request.url.path, "root_path": "", "method": request.method}
        response.headers["Allow"] = ", ".join(sorted(allowed_methods(request.app.routes, address)))
    return response


def allowed_methods(routes: list[BaseRoute], scope: Scope) -> set[str]:
    """Every method the address takes, though its routes are declared apart
    (``GET /me`` and ``DELETE /me`` live in two modules): Starlette's own 405
    names only the first route's."""
    methods: set[str] = set()
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        if isinstance(route, Mount):
            methods |= allowed_methods(route.routes, {**scope, **child})
        elif isinstance(route, Route):
            methods |= route.methods or set()
    return methods


async def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Never a stack trace to the client: the log keeps it, the answer is plain."""
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return error_response("internal_error", "Une erreur inattendue est survenue ; réessayez plus tard.", 500)
