"""schemathesis hooks of the fuzz run (``SCHEMATHESIS_HOOKS=tests.security.fuzz_hooks``).

A schema-valid ``POST /activations`` carries real provisional credentials
half of the time (``SESAME_FUZZ_CONTRACTS``, a JSON list of imported
contracts), from a client address of its own (``X-Forwarded-For``, which
uvicorn trusts from loopback): no generator guesses a code, the fuzzer's
wrong ones soon throttle its own address, and a 201 is what opens the
document's links into the activation's steps for the stateful phase.
"""

from __future__ import annotations

import json
import os
import random
from typing import Any

import schemathesis

CONTRACTS: list[dict[str, str]] = json.loads(os.environ.get("SESAME_FUZZ_CONTRACTS", "[]"))


@schemathesis.hook
def before_call(ctx: Any, case: Any, **kwargs: Any) -> None:
    if case.operation.label != "POST /activations":
        return
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    if CONTRACTS and positive and random.random() < 0.5:
        case.body = dict(random.choice(CONTRACTS))
        address = f"198.18.{random.randrange(256)}.{random.randrange(1, 255)}"
        case.headers = {**(case.headers or {}), "X-Forwarded-For": address}
