"""A body declaration says in its schema exactly what its ``read`` lets
through: the OpenAPI document and the handler cannot drift apart."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from application.errors import Refused
from web import api, api_account, api_two_step
from web.body_schema import ANY_JSON, Body

DECLARED = {
    "activation": api.PROVISIONAL, "email step": api.EMAIL_STEP, "log in": api.LOG_IN,
    "password change": api_account.PASSWORD_CHANGE, "reset request": api_account.RESET_REQUEST,
    "second step": api_two_step.SECOND_STEP,
}
SAMPLES: list[Any] = [
    None, 7, True, "", " ", "\t", "a", " a ", "a\tb", "a\nb", "a\x00b", "a\x1fb", "Hélène", "x" * 64, "x" * 65,
    "x" * 1025, "jean@exemple.fr", "jean.dupont@mail.exemple.fr", "Jean+x@Exemple.FR", "jean@exemple", "@exemple.fr",
    "jean..d@exemple.fr", "jean@exemple.fr\n", "josé@exemple.fr", "jean@ex-emple.fr", "jean@-exemple.fr",
]


def accepted(declared: Body, body: dict[str, Any]) -> bool:
    try:
        declared.read(body)
    except Refused:
        return False
    return True


def validator(declared: Body) -> Any:
    schema = {**declared.schema(), "components": {"schemas": {"AnyJson": ANY_JSON}}}
    return jsonschema_rs.Draft202012Validator(schema)


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_each_field_is_refused_exactly_when_its_schema_says_so(name: str) -> None:
    declared = DECLARED[name]
    check = validator(declared)
    fitting = {f: ("jean@exemple.fr" if spec.pattern else "AG1") for f, spec in declared.fields.items()}
    assert accepted(declared, fitting) and check.is_valid(fitting)
    for field, spec in declared.fields.items():
        if spec.kind is not None or not spec.text:
            continue  # passed through to the use case, which judges it in words of its own
        for sample in SAMPLES:
            body = {**fitting, field: sample}
            assert accepted(declared, body) == check.is_valid(body), (field, sample)


def test_text_beside_the_declared_fields_may_be_anything_but_a_nul() -> None:
    check = validator(api.LOG_IN)
    body = {"email": "jean@exemple.fr", "password": "secret"}
    assert check.is_valid({**body, "extra": [1, {"a": "b"}, None]})
    assert not check.is_valid({**body, "extra": ["a\x00"]})
    assert not check.is_valid({**body, "a\x00": 1})
