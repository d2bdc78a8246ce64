"""Schemathesis against a running server: no 5xx, nothing outside the document.

The document at /api/v1/openapi.json is the contract in machine form; every
answer the fuzzer provokes, with valid and with invalid data, must have a
documented status, content type, headers and body schema. Authenticated
calls carry a real person's session, so the fuzzer reaches past the 401s.
Each operation is its own test, driven by schemathesis's hypothesis strategy.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.flows import person
from tests.e2e.harness import Sesame
from web.openapi import OPERATIONS

CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance,
    response_headers_conformance, response_schema_conformance,
]
EXAMPLES = int(os.environ.get("SESAME_FUZZ_EXAMPLES", "20"))


@pytest.fixture(scope="module")
def api_schema(sesame: Sesame) -> Any:
    schema = schemathesis.openapi.from_url(sesame.url + "/api/v1/openapi.json")
    schema.config.update(base_url=sesame.url + "/api/v1")
    return schema


@pytest.fixture(scope="module")
def bearer(sesame: Sesame) -> dict[str, str]:
    _, auth = person(sesame)
    return auth


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=["valid", "invalid"])
@pytest.mark.parametrize(("path", "method"), [(p, m.upper()) for p, ms in OPERATIONS.items() for m in ms])
def test_every_answer_is_documented(
    api_schema: Any, bearer: dict[str, str], path: str, method: str, mode: GenerationMode
) -> None:
    """ASVS 5.0 V1.2 and V2.2 (input validation) and the contract's error rule:
    whatever a client sends, the answer is a documented one and never a 5xx."""
    try:
        operation = api_schema[path][method]
    except KeyError:
        pytest.skip(f"{method} {path} is not served by this build")
    spec = OPERATIONS[path][method.lower()]
    if mode is GenerationMode.NEGATIVE and "requestBody" not in spec and "parameters" not in spec:
        pytest.skip("nothing to send wrong but a path segment, which any string fills")
    headers = None if path == "/sessions/current" else bearer  # logging out would end the fuzzer's session

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def answers(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    answers()
