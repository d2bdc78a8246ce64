"""The login load generator, run as its own process (``python -m bench.loadgen``).

It must cost the server's cores as little as possible, since every cycle it
burns is one the argon2 limit counts and the server does not get: so it is a
few dozen lines of asyncio speaking HTTP/1.1 keep-alive, not a client library.
Each of ``--concurrency`` connections logs people in back to back until the
count or the time runs out; requests finished during ``--warmup`` are left
out, so connection set-up and the server's first-request costs don't count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, parts.netloc)

    async def post(self, path: str, payload: dict[str, Any]) -> tuple[int, bytes]:
        body = json.dumps(payload).encode()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self.host}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status = int((await self.reader.readline()).split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


async def worker(
    url: str,
    people: list[dict[str, str]],
    offset: int,
    stop_at: float,
    count: list[int],
    results: list[tuple[float, float, int]],
) -> None:
    """Log people in back to back; ``count`` is the shared budget of requests left."""
    connection = await Connection.open(url)
    try:
        i = offset
        while count[0] > 0 and time.monotonic() < stop_at:
            count[0] -= 1
            person = people[i % len(people)]
            i += 1
            started = time.monotonic()
            try:
                status, _ = await connection.post(
                    "/api/v1/sessions", {"email": person["email"], "password": person["password"]}
                )
            except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
                status = 0  # the server dropped the connection (after a 500, say): counted, and a new one opened
                connection.close()
                connection = await Connection.open(url)
            results.append((started, time.monotonic(), status))
    finally:
        connection.close()


async def load(
    url: str, people: list[dict[str, str]], concurrency: int, seconds: float, warmup: float, max_requests: int
) -> dict[str, Any]:
    cpu_at_start = _own_cpu()
    start = time.monotonic()
    stop_at = start + warmup + seconds
    results: list[tuple[float, float, int]] = []
    budget = [max_requests]
    urls = url.split(",")  # several servers: connections spread over them in turn
    await asyncio.gather(
        *(worker(urls[i % len(urls)], people, i, stop_at, budget, results) for i in range(concurrency))
    )
    measured_from = start + warmup
    kept = [r for r in results if r[1] >= measured_from]
    window = max(r[1] for r in kept) - measured_from if kept else 0.0
    return {
        "requests": len(kept),
        "ok": sum(1 for r in kept if r[2] == 201),
        "statuses": dict(Counter(str(r[2]) for r in kept)),
        "seconds": window,
        "latencies": [r[1] - r[0] for r in kept if r[2] == 201],
        "all_requests": len(results),
        "cpu_seconds": _own_cpu() - cpu_at_start,
    }


def _own_cpu() -> float:
    """This process's CPU so far (the load's share of it is what the load
    generator took from the server's cores)."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="base URL; several, comma-separated, share the connections")
    parser.add_argument("--people", required=True, help="JSON file: [{email, password}, ...]")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--max-requests", type=int, default=100_000)
    args = parser.parse_args()
    with open(args.people) as handle:
        people = json.load(handle)
    result = asyncio.run(load(args.url, people, args.concurrency, args.seconds, args.warmup, args.max_requests))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
