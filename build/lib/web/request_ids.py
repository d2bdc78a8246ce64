"""A request id for every HTTP request, in its log lines and its answer.

A load balancer's ``X-Request-ID`` is kept when it looks like one, so the
operator can follow a request from the proxy's log into ours; otherwise a new
one is drawn. Each request ends with one access line: method, route template
(never the concrete path, which can carry an activation token), status and
duration.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.json_logs import request_id

log = logging.getLogger("sesame.access")
ACCEPTED = re.compile(rb"[\w.:-]{1,64}")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"")
        rid = incoming.decode() if ACCEPTED.fullmatch(incoming) else uuid.uuid4().hex
        # Not reset on the way out: Starlette's handler of unexpected errors runs
        # outside this middleware and must log with the id; each request runs
        # in a task of its own, so the value dies with it.
        request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info("request", extra={"fields": {
                "method": scope["method"],
                "route": route_template(scope),
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1),
            }})


def route_template(scope: Scope) -> str | None:
    """The path with each routed parameter's segment named instead of shown
    (``/api/v1/activations/{activation}/email``); None when no route matched."""
    if "route" not in scope:
        return None
    names = {str(value): "{" + name + "}" for name, value in scope.get("path_params", {}).items()}
    return "/".join(names.get(segment, segment) for segment in scope["path"].split("/"))
