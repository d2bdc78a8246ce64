"""Single sign-on: authorization-code sign-ins and refresh-token grants per second.

A sign-in is the whole flow a relying party and a browser go through: the
authorization request, the portal's sign-in form (the password checked with
argon2id), the code back at the client, and the code exchanged with PKCE at
the token endpoint. Its limit is the argon2id verification rate measured in
the same run (one verification per sign-in): the rest of the flow should cost
little beside the hash. A refresh grant checks no password: it is held to an
absolute target (Keycloak sizes 120 refresh grants/s per vCPU). The clients
are threads of this process (Authlib's client over httpx), on the same cores
as the server: their CPU is counted against it, so the figures are conservative.
"""

from __future__ import annotations

import os
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from authlib.common.security import generate_token

from application.config import Settings
from bench.argon2_limit import verification_rate
from bench.common import bench_env, cores
from bench.report import Row, Section, ratio_row, table
from bench.server import populate
from tests.e2e.flows import PASSWORD
from tests.e2e.harness import Sesame
from tests.e2e.oidc_flows import Browser, answer, discovery, register, rp

SIGN_IN_TARGET = 0.8
REFRESH_TARGET = 500.0


class Signer:
    """One client thread: a browser whose cookies are cleared before each
    sign-in (a new person at the portal each time) and Authlib's client; the
    discovery document is read once, as a real extranet caches it."""

    def __init__(self, sesame: Sesame, client: dict[str, Any], meta: dict[str, Any]) -> None:
        self.browser, self.oauth, self.meta = Browser(sesame), rp(sesame, client), meta

    def sign_in(self, email: str) -> dict[str, Any]:
        """One whole authorization-code sign-in; the token response."""
        self.browser.http.cookies.clear()
        verifier = generate_token(48)
        url, _ = self.oauth.create_authorization_url(
            self.meta["authorization_endpoint"], code_verifier=verifier, nonce=generate_token(16)
        )
        code = answer(self.browser.sign_in(self.browser.go(url), email))["code"]
        token: dict[str, Any] = self.oauth.fetch_token(
            self.meta["token_endpoint"], grant_type="authorization_code", code=code, code_verifier=verifier,
        )
        return token

    def close(self) -> None:
        self.browser.http.close()
        self.oauth.close()


def load(seconds: float, threads: int, work: Callable[[int], object]) -> tuple[int, int, float]:
    """(done, failed, seconds): ``threads`` threads calling ``work(thread)`` back to back."""
    done, failed, lock, stop = [0], [0], threading.Lock(), time.monotonic() + seconds

    def run(n: int) -> None:
        while time.monotonic() < stop:
            try:
                work(n)
                outcome = done
            except Exception:  # counted, the run goes on
                outcome = failed
            with lock:
                outcome[0] += 1

    started = time.monotonic()
    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return done[0], failed[0], time.monotonic() - started


def run(people: int, seconds: float, limit_seconds: float, concurrency: int, out: Path, work: Path) -> Section:
    root = work / "oidc"
    root.mkdir(parents=True, exist_ok=True)
    sesame = Sesame(root, bench_env(LOG_LEVEL="WARNING", THROTTLE_DELAY_SCALE="0"))
    sesame.env["PUBLIC_URL"] = sesame.url  # the issuer is the address the clients reach
    try:
        sesame.serve()
        population = populate(sesame, people, activations=0)
        client = register(sesame, "Bench extranet")
        emails = [p["email"] for p in population.people]
        settings = Settings.from_env(bench_env())
        limits = [verification_rate(settings, PASSWORD, cores(), limit_seconds)]
        meta = discovery(sesame)
        signers = [Signer(sesame, client, meta) for _ in range(concurrency)]
        signed = load(seconds, concurrency, lambda n: signers[n].sign_in(emails[n % len(emails)]))
        limits.append(verification_rate(settings, PASSWORD, cores(), limit_seconds))
        chains = [signers[n].sign_in(emails[n % len(emails)])["refresh_token"] for n in range(concurrency)]
        for signer in signers:
            signer.close()
        token_url = meta["token_endpoint"]
        clients = [httpx.Client(auth=(client["client_id"], client["client_secret"]), timeout=30) for _ in chains]

        def refresh(n: int) -> None:
            answer = clients[n].post(token_url, data={"grant_type": "refresh_token", "refresh_token": chains[n]})
            answer.raise_for_status()
            chains[n] = answer.json()["refresh_token"]  # rotated: the next grant uses the new one

        refreshed = load(seconds, concurrency, refresh)
        for http in clients:
            http.close()
    finally:
        sesame.stop()
    load_average = os.getloadavg()[0]  # the neighbours' share of these cores, as the run ends
    limit = statistics.median(rate.per_second for rate in limits)
    sign_in_rate, refresh_rate = signed[0] / signed[2], refreshed[0] / refreshed[2]
    rows = [
        ratio_row("authorization-code sign-ins per second", sign_in_rate, limit, "/s", SIGN_IN_TARGET),
        Row("refresh-token grants per second", f"{refresh_rate:,.1f} /s", "— (no password hash)", None,
            f"≥ {REFRESH_TARGET:g} /s", refresh_rate >= REFRESH_TARGET),
    ]
    body = f"""\
On the embedded default (SQLite; projections, outbox and worker inside `sesame serve`), a
confidential client registered with `sesame clients add`, {len(emails)} activated people with one
contract each (no contract page), {concurrency} client threads in the benchmark's own process for
{seconds:g} s per measure. A sign-in is the whole flow, cookies cleared first: `GET /oidc/authorize`
(PKCE S256), the portal's sign-in form (argon2id), the code back at the redirect URI, then
`POST /oidc/token`. The limit is argon2id verification with the configured parameters, one process
per core ({cores()}), {limit_seconds:g} s before and after the sign-ins (their mean). The
refresh grants rotate {concurrency} chains of refresh tokens, each grant presenting the token the
previous one returned. Load average as the run ended: {load_average:.1f} on {cores()} cores.

{table(["measure", "done", "failed", "seconds", "per second"], [
        ["sign-ins", signed[0], signed[1], f"{signed[2]:.1f}", f"{sign_in_rate:,.1f}"],
        ["refresh grants", refreshed[0], refreshed[1], f"{refreshed[2]:.1f}", f"{refresh_rate:,.1f}"],
        ["argon2id limit (before → after)", "", "", "", " → ".join(f"{r.per_second:,.1f}" for r in limits)],
    ])}"""
    miss = "\n\n".join(text for row, text in zip(rows, (SIGN_IN_MISS, REFRESH_MISS), strict=True) if row.met is False)
    return Section("Single sign-on", rows, body, [], miss)


SIGN_IN_MISS = """\
What a sign-in costs beside its argon2id check (py-spy on `sesame serve`, 40 sign-ins one at a
time, 2026-11-30): about 55 ms of server CPU per sign-in, of which argon2id some 35; the rest is
spread over the flow's seven HTTP requests (event loop, middleware: about 19 ms), the « Nouvelle connexion »
mail composed and written by the in-process worker (about 10 ms), the in-process projections
(about 9 ms), the authorization request (4 ms) and the token request (under 2 ms: the code spent
and the tokens saved in one transaction, the identity read once, the signing key parsed once, RS256
0.4 ms). The client threads run on the same cores. At 35 ms of argon2id in some 65 ms of CPU per
sign-in (server and clients), two cores allow about 0.5 × the argon2id limit; 0.8 would need all
the rest under about 9 ms per sign-in, or the projections, the mail and the clients on other cores
(the production topology)."""
REFRESH_MISS = """\
A refresh grant authenticates the client (a keyed digest of its secret), reads the presented token
(one statement), then spends it and saves the new access and refresh tokens in one transaction
(one UPDATE, one INSERT); on SQLite that write transaction queues behind the in-process followers'.
The client threads run on the same two cores, and the neighbours' load moves this figure more than
any other (467.9 /s in a run at load average 10.2 on 2026-11-30, 290.3 /s in another at 11.3 the
same hour). What would close it: a run on cores nobody else uses."""
