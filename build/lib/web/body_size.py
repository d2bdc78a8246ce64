"""The 1 MiB limit on a request's body (CONTRACT.md), in one place.

``body_limit.BodyLimitMiddleware`` refuses a declared length over it before
any route runs; whoever reads a body (a JSON route, the idempotency replay,
a portal form under its own smaller limit) reads it through ``read_bounded``,
which counts what arrives, for bodies sent without a length.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator

from starlette.types import Receive

from application.errors import Refused

MAX_BODY = 1024 * 1024


def too_large() -> Refused:
    return Refused("payload_too_large", "La requête dépasse 1 Mio.")


async def read_bounded(chunks: AsyncIterable[bytes], limit: int = MAX_BODY) -> bytes | None:
    """The whole body, or None as soon as it is longer than ``limit``."""
    read: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            return None
        read.append(chunk)
    return b"".join(read)


async def received(receive: Receive) -> AsyncIterator[bytes]:
    """The body's chunks as an ASGI app receives them."""
    while True:
        message = await receive()
        yield message.get("body", b"")
        if not message.get("more_body"):
            return
