"""``schemathesis run --checks all`` against a running server: no failure.

The document at /api/v1/openapi.json is the contract in machine form, its
request bodies the handlers' own declarations (web/body_schema.py). Every
check runs: no 5xx; every status, content type, header and body documented;
every schema-valid request accepted and every schema-violating one refused;
``Allow`` on a 405; authentication not ignored; what is deleted stays gone.
The run carries a real person's session and staff tokens (``schemathesis.toml``
says which operation takes which), real provisional credentials for
``POST /activations`` (tests/security/fuzz_hooks.py), and its stateful phase
follows the document's links from an activation into its steps.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.flows import person
from tests.e2e.harness import Sesame
from tests.e2e.test_staff_api import staff

REPOSITORY = Path(__file__).resolve().parents[2]  # schemathesis.toml is read from here
SCHEMATHESIS = str(Path(sys.executable).parent / "schemathesis")
EXAMPLES = os.environ.get("SESAME_FUZZ_EXAMPLES", "20")


def fuzz_env(sesame: Sesame) -> dict[str, str]:
    """The credentials schemathesis.toml and the hooks read."""
    _, session = person(sesame)
    identity = sesame.http.get("/me", headers=session).json()["id"]
    rows = [f"FZ1,SOC1,FZ1L{n:04d},{n:06d},fz{n}@exemple.fr,Titulaire {n},tenant" for n in range(1, 21)]
    assert sesame.import_rows(*rows, name="fuzz.csv")["added"] == len(rows)
    contracts = [
        {"client_code": "FZ1", "company_code": "SOC1", "login_id": f"FZ1L{n:04d}", "provisional_password": f"{n:06d}"}
        for n in range(1, 21)
    ]

    def token(headers: dict[str, str]) -> str:
        return headers["Authorization"].removeprefix("Bearer ")

    return {
        **os.environ,
        "SESAME_FUZZ_PERSON": token(session),
        "SESAME_FUZZ_IDENTITY": identity,
        "SESAME_FUZZ_AGENCY": token(staff(sesame, "Agence Fuzz", "agency", "AG1/SOC1")),
        "SESAME_FUZZ_SUPPORT": token(staff(sesame, "Support Fuzz", "support")),
        "SESAME_FUZZ_AUDITOR": token(staff(sesame, "Audit Fuzz", "auditor")),
        "SESAME_FUZZ_CONTRACTS": json.dumps(contracts),
        "SCHEMATHESIS_HOOKS": "tests.security.fuzz_hooks",
    }


def test_schemathesis_with_every_check_finds_nothing(sesame: Sesame) -> None:
    """ASVS 5.0 V1.2 and V2.2 (input validation) and the contract's error rule,
    checked by schemathesis's whole check set."""
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", sesame.url + "/api/v1/openapi.json", "--url", sesame.url + "/api/v1",
            "--checks", "all", "--max-examples", EXAMPLES, "--workers", "1", "--no-color",
        ],
        cwd=REPOSITORY, env=fuzz_env(sesame), capture_output=True, text=True, timeout=3600,
    )
    assert run.returncode == 0, run.stdout[-30_000:] + run.stderr[-5_000:]
