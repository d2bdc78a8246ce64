"""``Idempotency-Key`` on every API POST but the login (CONTRACT.md).

A repeat with the same key and body gets the first answer and changes nothing;
the same key with another body is refused with 422. A key belongs to its
caller and path: the caller is the bearer credentials sent (a session, a staff
token), else the client's address, so an answer is never replayed to someone
else who happens to send the same key. Keys are stored only as digests.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any, Protocol

import anyio
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from application.ports import Clock
from web.body_size import read_bounded, received, too_large
from web.errors import error_response

# The answers that carry a secret (a session token, an activation token, a
# two-step secret, recovery codes), which a remembered answer would keep in clear
# in the database: the logins and two-step sign-in's.
EXEMPT = {
    "/api/v1/sessions", "/api/v1/activations", "/api/v1/sessions/two-step", "/api/v1/me/two-step",
    "/api/v1/me/two-step/confirm",
}


class Answers(Protocol):
    """The remembered answers, by key digest (``adapters.idempotency_table``)."""

    def claim(self, key_digest: str, request_digest: str, now: datetime) -> dict[str, Any] | None: ...

    def answer(self, key_digest: str, status: int, body: str) -> None: ...

    def forget(self, key_digest: str) -> None: ...


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, answers: Answers, clock: Clock) -> None:
        self.app = app
        self.answers = answers
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or [])
        key = headers.get(b"idempotency-key")
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or key is None
            or path in EXEMPT
            or not path.startswith("/api/v1/")
        ):
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 255:
            await error_response(
                "invalid_request", "Idempotency-Key : de 1 à 255 caractères.", 422, field="Idempotency-Key"
            )(scope, receive, send)
            return
        body = await read_bounded(received(receive))
        if body is None:
            refusal = too_large()
            await error_response(refusal.code, refusal.message)(scope, receive, send)
            return
        key_digest = _digest(caller(scope), path.encode(), key)
        seen = await run_in_threadpool(self.answers.claim, key_digest, _digest(body), self.clock.now())
        if seen is not None:
            await self._replay(seen, _digest(body), scope, receive, send)
            return
        await self._run(key_digest, body, scope, send)

    async def _replay(
        self, seen: dict[str, Any], request_digest: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        if seen["request_digest"] != request_digest:
            response = error_response(
                "idempotency_key_reused", "Cette clé d'idempotence a déjà servi pour une autre requête.", 422
            )
        elif seen["status"] == 0:
            response = error_response("conflict", "La même requête est en cours de traitement.", 409)
        else:
            stored = json.loads(seen["body"])
            await send(
                {
                    "type": "http.response.start",
                    "status": seen["status"],
                    "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in stored["headers"]],
                }
            )
            await send({"type": "http.response.body", "body": stored["body"].encode("latin-1")})
            return
        await response(scope, receive, send)

    async def _run(self, key_digest: str, body: bytes, scope: Scope, send: Send) -> None:
        sent: dict[str, Any] = {"headers": [], "body": b""}
        replayed = False

        async def receive_body() -> Message:
            nonlocal replayed
            if replayed:
                return {"type": "http.disconnect"}
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        recorded = False

        async def record() -> None:
            """Kept (or forgotten, after a 5xx) before the client sees the last
            byte: a repeat it sends at once then finds the answer, not the claim."""
            nonlocal recorded
            recorded = True
            status = sent.get("status", 500)
            with anyio.CancelScope(shield=True):  # a client gone must not leave the key claimed for ever
                if status >= 500:
                    await run_in_threadpool(self.answers.forget, key_digest)
                else:
                    stored = {"headers": sent["headers"], "body": sent["body"].decode("latin-1")}
                    await run_in_threadpool(self.answers.answer, key_digest, status, json.dumps(stored))

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                sent["headers"] = [[k.decode("latin-1"), v.decode("latin-1")] for k, v in message.get("headers", [])]
            elif message["type"] == "http.response.body":
                sent["body"] += message.get("body", b"")
                if not message.get("more_body", False):
                    await record()
            await send(message)

        try:
            await self.app(scope, receive_body, capture)
        finally:
            if not recorded:
                await record()


def caller(scope: Scope) -> bytes:
    """Who a remembered answer belongs to. Anonymous callers are told apart by
    address: the one uvicorn takes from X-Forwarded-For only when a proxy of
    ``FORWARDED_ALLOW_IPS`` sends it, so a client cannot claim another's."""
    authorization: bytes | None = dict(scope.get("headers") or []).get(b"authorization")
    if authorization:
        return b"credentials\x1f" + authorization
    client = scope.get("client")
    return b"address\x1f" + (client[0].encode() if client else b"")



def _digest(*parts: bytes) -> str:
    return hashlib.sha256(b"\x1f".join(parts)).hexdigest()
