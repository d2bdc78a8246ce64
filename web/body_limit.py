"""Bodies over 1 MiB are refused with 413 before any route runs (CONTRACT.md),
also on routes that never read a body; routes that read one count what
arrives (``web.requests.json_body``), for bodies sent without a length."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from web.errors import error_response
from web.requests import MAX_BODY


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > MAX_BODY:
                await error_response("payload_too_large", "La requête dépasse 1 Mio.")(scope, receive, send)
                return
        await self.app(scope, receive, send)
