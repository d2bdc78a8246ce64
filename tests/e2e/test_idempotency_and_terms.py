"""Idempotency-Key on POSTs, and a newer CGU version blocking until accepted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.terms import TERMS_DIR
from tests.conftest import TEST_SECRET
from tests.e2e.flows import PASSWORD, contract, person, provisional
from tests.e2e.harness import Sesame


def test_a_repeat_with_the_same_key_returns_the_first_answer_and_changes_nothing(sesame: Sesame) -> None:
    _, auth = person(sesame)
    other = contract(sesame)
    headers = {**auth, "Idempotency-Key": "link-1"}
    first = sesame.http.post("/me/accounts", headers=headers, json=provisional(other))
    again = sesame.http.post("/me/accounts", headers=headers, json=provisional(other))
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    without_key = sesame.http.post("/me/accounts", headers=auth, json=provisional(other))
    assert without_key.status_code == 409  # the key, not luck, made the repeat harmless
    assert len(sesame.http.get("/me", headers=auth).json()["accounts"]) == 2


def test_the_same_key_with_another_body_is_refused(sesame: Sesame) -> None:
    headers = {"Idempotency-Key": "reset-1"}
    assert sesame.http.post("/password-resets", headers=headers, json={"email": "a@exemple.fr"}).status_code == 202
    other = sesame.http.post("/password-resets", headers=headers, json={"email": "b@exemple.fr"})
    assert other.status_code == 422 and other.json()["error"] == "idempotency_key_reused"


def test_keys_are_scoped_by_caller(sesame: Sesame) -> None:
    _, alice = person(sesame)
    _, bob = person(sesame)
    body = {"version": sesame.http.get("/me", headers=alice).json()["terms_version"]}
    assert sesame.http.post("/me/terms", headers={**alice, "Idempotency-Key": "k"}, json=body).status_code == 204
    assert sesame.http.post("/me/terms", headers={**bob, "Idempotency-Key": "k"}, json=body).status_code == 204


def test_login_ignores_the_key(sesame: Sesame) -> None:
    creds, _ = person(sesame)
    headers = {"Idempotency-Key": "login"}
    body = {"email": creds["email"], "password": PASSWORD}
    first = sesame.http.post("/sessions", headers=headers, json=body).json()["token"]
    second = sesame.http.post("/sessions", headers=headers, json=body).json()["token"]
    assert first != second


@pytest.fixture(scope="module")
def versioned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sesame, Path]]:
    root = tmp_path_factory.mktemp("terms")
    terms = root / "terms"
    shutil.copytree(TERMS_DIR, terms)
    deployment = Sesame(root, {"SECRET_KEY": TEST_SECRET, "TERMS_DIR": str(terms)})
    deployment.serve()
    yield deployment, terms
    deployment.stop()


def test_a_newer_terms_version_must_be_accepted_before_anything_else(versioned: tuple[Sesame, Path]) -> None:
    sesame, terms = versioned
    creds, auth = person(sesame)
    newest = sorted(p.name for p in terms.iterdir())[-1]
    shutil.copytree(terms / newest, terms / "2099-01-01")

    login = sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD})
    assert login.status_code == 403
    assert login.json()["error"] == "terms_acceptance_required" and login.json()["terms_version"] == "2099-01-01"
    limited = {"Authorization": f"Bearer {login.json()['token']}"}
    blocked = sesame.http.get("/me", headers=limited)
    assert blocked.status_code == 403 and blocked.json()["terms_version"] == "2099-01-01"
    assert sesame.http.get("/me", headers=auth).status_code == 403  # sessions opened before, too
    assert sesame.http.post("/me/terms", headers=limited, json={"version": "2099-01-01"}).status_code == 204
    assert sesame.http.get("/me", headers=limited).json()["terms_version"] == "2099-01-01"
    assert sesame.http.post("/sessions", json={"email": creds["email"], "password": PASSWORD}).status_code == 201
    history = sesame.http.get("/me/history", headers=limited).json()["events"]
    assert [e["data"].get("version") for e in history if e["type"] == "TermsAccepted"][-1] == "2099-01-01"
