"""Bodies declared over 1 MiB are refused with 413 before any route runs
(CONTRACT.md), also on routes that never read a body; see ``body_size``."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from web.body_size import MAX_BODY, too_large
from web.errors import error_response


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = dict(scope.get("headers") or []).get(b"content-length", b"")
            if declared.isdigit() and int(declared) > MAX_BODY:
                refusal = too_large()
                await error_response(refusal.code, refusal.message)(scope, receive, send)
                return
        await self.app(scope, receive, send)
