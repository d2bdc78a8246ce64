"""A real ``sesame serve`` with activated people, for the login and projection runs.

The deployment is the embedded default (SQLite, in-process projections, outbox
and worker), started and stopped by the end-to-end tests' harness, and people
are activated through the public API exactly as the tests do it, so the
benchmark measures the service its users get, not a shortcut.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.common import bench_env
from tests.e2e import flows
from tests.e2e.harness import Sesame

CLIENT, COMPANY = "BENCH", "SOC1"


@dataclass(frozen=True)
class Population:
    people: list[dict[str, str]]  # activated: {email, password}, ready to log in
    activations: list[str]  # tokens of activations left at the email step (writers' material)
    people_file: Path  # ``people`` as JSON, for the load generator


def contracts(count: int, prefix: str) -> list[dict[str, str]]:
    """Provisional credentials of ``count`` contracts, with their suggested email."""
    return [
        {
            "client_code": CLIENT, "company_code": COMPANY, "login_id": f"{prefix}{n:05d}",
            "provisional_password": f"{n:06d}", "email": f"{prefix.lower()}{n:05d}@exemple.fr",
        }
        for n in range(1, count + 1)
    ]


def populate(sesame: Sesame, people: int, activations: int) -> Population:
    """Import every contract in one CSV, then activate ``people`` of them and
    leave ``activations`` more at the email step."""
    active, pending = contracts(people, "P"), contracts(activations, "A")
    rows = [
        f"{c['client_code']},{c['company_code']},{c['login_id']},{c['provisional_password']},{c['email']},"
        f"Titulaire {c['login_id']},tenant"
        for c in active + pending
    ]
    report = sesame.import_rows(*rows, name="people.csv")
    if report["added"] + report["unchanged"] != len(rows):
        raise RuntimeError(f"importing the benchmark's people failed: {report}")
    for creds in active:
        flows.activate(sesame, creds)
    tokens = [flows.start(sesame, creds) for creds in pending]
    logins = [{"email": c["email"], "password": flows.PASSWORD} for c in active]
    people_file = sesame.root / "people.json"
    people_file.write_text(json.dumps(logins))
    return Population(logins, tokens, people_file)


@contextmanager
def running(root: Path) -> Iterator[Sesame]:
    """``sesame serve`` on a free port in ``root``, stopped on the way out."""
    root.mkdir(parents=True, exist_ok=True)
    sesame = Sesame(root, bench_env(LOG_LEVEL="WARNING"))
    try:
        sesame.serve()
        yield sesame
    finally:
        sesame.stop()
