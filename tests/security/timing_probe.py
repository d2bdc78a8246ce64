"""Measure, not assert: answer times for a known and an unknown account.

``python -m tests.security.timing_probe [pairs]`` starts a throwaway server
(waits off, so no 429 interferes), then sends interleaved pairs of requests
that must not tell an existing account from a missing one, and prints each
side's quartiles and the probability of superiority P(known > unknown): 0.5
means the two distributions cannot be told apart by ordering. Tests never
time anything (a loaded CI machine would make them flaky); this is the
benchmark-like check, run by hand and quoted in reviews.
"""

from __future__ import annotations

import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from tests.conftest import TEST_SECRET
from tests.e2e.flows import awaiting_verification, contract, person, provisional
from tests.e2e.harness import Sesame


def timed(send: Callable[[], httpx.Response]) -> float:
    started = time.perf_counter()
    send()
    return (time.perf_counter() - started) * 1000


def superiority(known: list[float], unknown: list[float]) -> float:
    """P(a known-account request is slower than an unknown-account one)."""
    wins = sum((k > u) + 0.5 * (k == u) for k in known for u in unknown)
    return wins / (len(known) * len(unknown))


def compare(
    name: str, known: Callable[[int], httpx.Response], unknown: Callable[[int], httpx.Response], pairs: int
) -> None:
    a: list[float] = []
    b: list[float] = []
    for n in range(pairs):
        first, second = (known, unknown) if n % 2 else (unknown, known)
        (a if first is known else b).append(timed(functools.partial(first, n)))
        (b if first is known else a).append(timed(functools.partial(second, n)))

    def q(xs: list[float]) -> str:
        return " / ".join(f"{v:6.1f}" for v in statistics.quantiles(xs, n=4))

    print(f"{name:<40} known {q(a)} ms   unknown {q(b)} ms   P(known>unknown) = {superiority(a, b):.2f}")


def main(pairs: int) -> None:
    root = Path(tempfile.mkdtemp(prefix="sesame-timing-"))
    sesame = Sesame(root, {"SECRET_KEY": TEST_SECRET, "THROTTLE_DELAY_SCALE": "0"})
    sesame.serve()
    try:
        creds, _ = person(sesame)
        other = contract(sesame)
        pending = contract(sesame)
        awaiting_verification(sesame, pending)
        post = sesame.http.post

        def xff(n: int) -> dict[str, str]:
            return {"X-Forwarded-For": f"10.9.{n // 250}.{n % 250 + 1}"}

        print(f"{pairs} interleaved pairs each, quartiles (25 / 50 / 75 %):")
        compare(
            "login: wrong password vs unknown email",
            lambda n: post("/sessions", headers=xff(n), json={"email": creds["email"], "password": f"Mauvais-{n}!"}),
            lambda n: post(
                "/sessions", headers=xff(n), json={"email": f"personne{n}@exemple.fr", "password": f"Mauvais-{n}!"}
            ),
            min(pairs, 95),  # below the account's lock at 100 failures
        )
        compare(
            "login: unfinished activation vs unknown",
            lambda n: post("/sessions", headers=xff(n), json={"email": pending["email"], "password": f"Mauvais-{n}!"}),
            lambda n: post(
                "/sessions", headers=xff(n), json={"email": f"inconnu{n}@exemple.fr", "password": f"Mauvais-{n}!"}
            ),
            min(pairs, 95),
        )
        compare(
            "reset: known vs unknown email",
            lambda n: post("/password-resets", headers=xff(n), json={"email": creds["email"]}),
            lambda n: post("/password-resets", headers=xff(n), json={"email": f"personne{n}@exemple.fr"}),
            pairs,
        )
        compare(
            "activation: wrong code vs unknown login id",
            lambda n: post(
                "/activations", headers=xff(n), json={**provisional(other), "provisional_password": f"{n:06d}"}
            ),
            lambda n: post(
                "/activations",
                headers=xff(n),
                json={**provisional(other), "login_id": f"PERSONNE{n}", "provisional_password": f"{n:06d}"},
            ),
            min(pairs, 9),  # below the code's lock at 10 tries
        )
    finally:
        sesame.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 60)
