"""The red team's way of working, kept in the suite: every API route that
checks a secret, sends a mail or tells whether an account exists is tried 25
times wrong through a real server, and must answer 429 ``too_many_attempts``
with a Retry-After.

The routes come from the OpenAPI document (web/openapi.py), where each one
declares why it is counted (``x-throttled``: secret, mail, oracle); a guard
fails when a route takes a field that looks like a secret without declaring
it, so a route added tomorrow is tried without anyone remembering to.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

import pytest

from tests.e2e.flows import PASSWORD, activate, address_of, choose_password, contract, log_in, start
from tests.e2e.harness import Sesame
from tests.security.test_throttling_api import throttled
from web.openapi import OPERATIONS, THROTTLED

TRIES = 25
WRONG_PASSWORD, NEW_PASSWORD = "Mauvais-1!", "Nouve@u-Secret-9"
SECRET_FIELD = re.compile(r"password|secret|token|challenge|recovery|otp|^code$|_pin$|^pin$")
# Declared routes whose throttle another change of issue 19 brings (finding 2: DELETE /me).
_fresh = itertools.count(1)


def body_fields(operation: dict[str, Any]) -> set[str]:
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    return set(schema.get("properties", {}))


DECLARED = sorted(
    (method, path, operation["x-throttled"])
    for path, methods in OPERATIONS.items()
    for method, operation in methods.items()
    if "x-throttled" in operation
)


def test_a_route_taking_a_secret_declares_its_throttle() -> None:
    """A body field named like a secret (password, code, token, ...) means the route
    checks one: it must say so (``x-throttled``), which puts it in the 25-tries run below."""
    undeclared = [
        f"{method.upper()} {path} ({', '.join(sorted(f for f in body_fields(operation) if SECRET_FIELD.search(f)))})"
        for path, methods in OPERATIONS.items()
        for method, operation in methods.items()
        if "x-throttled" not in operation and any(SECRET_FIELD.search(f) for f in body_fields(operation))
    ]
    assert undeclared == []
    assert {kind for _, _, kind in DECLARED} <= set(THROTTLED)


@dataclass
class World:
    """What wrong tries need: a logged-in person, an activation awaiting its
    email proof, and a contract nobody has opened."""

    person: dict[str, str]
    auth: dict[str, str]
    activation: str
    contract: dict[str, str]


def world(sesame: Sesame) -> World:
    creds = contract(sesame)
    activate(sesame, creds)
    pending = contract(sesame)
    activation = start(sesame, pending)
    proposed = sesame.http.post(
        f"/activations/{activation}/email", headers=address_of(pending["login_id"]), json={"email": pending["email"]}
    )
    assert proposed.status_code == 200, proposed.text
    choose_password(sesame, activation)
    return World(creds, log_in(sesame, creds["email"]), activation, contract(sesame))


def wrong_value(field: str, kind: str, w: World) -> Any:
    """A try that is wrong where a secret is checked, and that goes through where a
    mail is sent (a mail route's passwords are right and acceptable)."""
    if field == "provisional_password":
        return "000000"  # never a code: the tests' codes start at 000001
    if field in ("client_code", "company_code", "login_id"):
        return w.contract[field]
    if field == "email":
        return w.person["email"]
    if field.startswith("new_email"):
        return f"ailleurs{next(_fresh)}@exemple.fr"
    if "password" in field:
        checked = field in ("password", "current_password")
        return WRONG_PASSWORD if checked and kind != "mail" else (PASSWORD if kind == "mail" else NEW_PASSWORD)
    if field == "accept_terms":
        return True
    if SECRET_FIELD.search(field):
        return f"faux-{field}-{next(_fresh)}"
    raise AssertionError(f"no wrong value known for the field {field!r}: teach wrong_value")


def request_of(method: str, path: str, kind: str, w: World) -> dict[str, Any]:
    operation = OPERATIONS[path][method]
    url = path.replace("{activation}", w.activation)
    assert "{" not in url, f"no value known for the path parameters of {path}: teach request_of"
    request: dict[str, Any] = {
        "method": method.upper(),
        "url": url,
        "headers": dict(w.auth) if "security" in operation else {},
    }
    if "requestBody" in operation:
        fields = body_fields(operation)
        if "anyOf" in operation["requestBody"]["content"]["application/json"]["schema"]:
            fields = {"email"}  # the first way the body may name its subject
        request["json"] = {field: wrong_value(field, kind, w) for field in sorted(fields)}
    return request


@pytest.mark.parametrize(("method", "path", "kind"), DECLARED, ids=[f"{m.upper()} {p}" for m, p, _ in DECLARED])
def test_every_declared_route_answers_429_within_25_wrong_tries(
    sesame: Sesame, origin: dict[str, str], method: str, path: str, kind: str
) -> None:
    """ASVS 5.0 V6.3.1 (and issue 19): 25 wrong tries, or 25 mails asked for, from one
    client address meet a 429 ``too_many_attempts`` with Retry-After."""
    if path not in sesame.http.get("/openapi.json").json()["paths"]:
        pytest.skip(f"{path} is not served by this deployment")
    w = world(sesame)
    call = request_of(method, path, kind, w)
    answers = []
    for _ in range(TRIES):
        answer = sesame.http.request(
            call["method"], call["url"], headers={**call["headers"], **origin}, json=call.get("json")
        )
        assert answer.status_code < 500, answer.text
        answers.append(answer)
        if answer.status_code == 429:
            break
    assert answers[-1].status_code == 429, [(a.status_code, a.json().get("error")) for a in answers if a.content]
    throttled(answers[-1])
