"""The load generator, run as its own process (``python -m bench.loadgen``).

It must cost the server's cores as little as possible, since every cycle it
burns is one the argon2 limit counts and the server does not get: so it is a
few dozen lines of asyncio speaking HTTP/1.1 keep-alive, not a client library.
Each of ``--concurrency`` connections makes one kind of call (``--call``) back
to back until the count or the time runs out: ``login`` logs people in
(``--people``: [{email, password}]), ``me`` reads ``GET /api/v1/me`` with their
session tokens ([{token}]), ``refresh`` spends refresh tokens at the OIDC token
endpoint ([{refresh_token, basic}], one rotating chain per connection, so there
must be at least as many chains as connections). Requests finished during
``--warmup`` are left out, so connection set-up and first-request costs don't count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections import Counter
from typing import Any
from urllib.parse import urlencode, urlsplit

Call = tuple[str, str, str, bytes]  # method, path, extra header lines, body
JSON = "Content-Type: application/json\r\n"
SUCCESS = {"login": 201, "me": 200, "refresh": 200}


def request(kind: str, entry: dict[str, str]) -> Call:
    """The next call of this kind for this entry of the people file."""
    if kind == "login":
        return "POST", "/api/v1/sessions", JSON, json.dumps(
            {"email": entry["email"], "password": entry["password"]}).encode()
    if kind == "me":
        return "GET", "/api/v1/me", f"Authorization: Bearer {entry['token']}\r\n", b""
    form = urlencode({"grant_type": "refresh_token", "refresh_token": entry["refresh_token"]}).encode()
    headers = f"Authorization: Basic {entry['basic']}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
    return "POST", "/oidc/token", headers, form


def follow(kind: str, entry: dict[str, str], status: int, body: bytes) -> None:
    """A refresh grant rotates the token: the chain goes on with the new one."""
    if kind == "refresh" and status == 200:
        entry["refresh_token"] = json.loads(body)["refresh_token"]


class Connection:
    """One keep-alive HTTP/1.1 connection that POSTs JSON and reads the answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str) -> None:
        self.reader, self.writer, self.host = reader, writer, host

    @classmethod
    async def open(cls, url: str) -> Connection:
        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        return cls(reader, writer, parts.netloc)

    async def send(self, call: Call) -> tuple[int, bytes]:
        method, path, headers, body = call
        head = f"{method} {path} HTTP/1.1\r\nHost: {self.host}\r\n{headers}Content-Length: {len(body)}\r\n\r\n"
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
    kind: str,
    url: str,
    people: list[dict[str, str]],
    offset: int,
    stop_at: float,
    count: list[int],
    results: list[tuple[float, float, int]],
) -> None:
    """Calls back to back; ``count`` is the shared budget of requests left. A
    refresh chain belongs to one connection: it walks only its own entry."""
    connection = await Connection.open(url)
    try:
        i = offset
        while count[0] > 0 and time.monotonic() < stop_at:
            count[0] -= 1
            person = people[i % len(people)]
            i += 0 if kind == "refresh" else 1
            started = time.monotonic()
            try:
                status, body = await connection.send(request(kind, person))
                follow(kind, person, status, body)
            except (ConnectionError, asyncio.IncompleteReadError, IndexError, ValueError):
                status = 0  # the server dropped the connection (after a 500, say): counted, and a new one opened
                connection.close()
                connection = await Connection.open(url)
            results.append((started, time.monotonic(), status))
    finally:
        connection.close()


async def load(
    kind: str,
    url: str, people: list[dict[str, str]], concurrency: int, seconds: float, warmup: float, max_requests: int
) -> dict[str, Any]:
    cpu_at_start = _own_cpu()
    start = time.monotonic()
    stop_at = start + warmup + seconds
    results: list[tuple[float, float, int]] = []
    budget = [max_requests]
    urls = url.split(",")  # several servers: connections spread over them in turn
    await asyncio.gather(
        *(worker(kind, urls[i % len(urls)], people, i, stop_at, budget, results) for i in range(concurrency))
    )
    measured_from = start + warmup
    kept = [r for r in results if r[1] >= measured_from]
    window = max(r[1] for r in kept) - measured_from if kept else 0.0
    return {
        "requests": len(kept),
        "ok": sum(1 for r in kept if r[2] == SUCCESS[kind]),
        "statuses": dict(Counter(str(r[2]) for r in kept)),
        "seconds": window,
        "latencies": [r[1] - r[0] for r in kept if r[2] == SUCCESS[kind]],
        "all_requests": len(results),
        "cpu_seconds": _own_cpu() - cpu_at_start,
        "people": people if kind == "refresh" else None,  # the chains' newest tokens, for the next round
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
    parser.add_argument("--call", choices=sorted(SUCCESS), default="login", help="the kind of call to make")
    parser.add_argument("--people", required=True, help="JSON file: one entry per person or chain (see above)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--max-requests", type=int, default=100_000)
    args = parser.parse_args()
    with open(args.people) as handle:
        people = json.load(handle)
    if args.call == "refresh" and len(people) < args.concurrency:
        parser.error("refresh: one chain per connection, and there are fewer chains than connections")
    result = asyncio.run(
        load(args.call, args.url, people, args.concurrency, args.seconds, args.warmup, args.max_requests)
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
