"""Idempotency-Key on POSTs, and a newer CGU version blocking until accepted."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.terms import TERMS_DIR
from tests.conftest import TEST_SECRET
from tests.e2e.flows import PASSWORD, awaiting_verification, contract, person, provisional
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
    """Issue 19, finding 10: two sessions sending one key and one body each get their own answer."""
    _, alice = person(sesame)
    _, bob = person(sesame)
    other = contract(sesame)
    key = {"Idempotency-Key": "k"}
    assert sesame.http.post("/me/accounts", headers={**alice, **key}, json=provisional(other)).status_code == 201
    taken = sesame.http.post("/me/accounts", headers={**bob, **key}, json=provisional(other))
    assert taken.status_code == 409 and taken.json()["error"] == "already_activated"  # run for Bob, not Alice's 201
    assert len(sesame.http.get("/me", headers=bob).json()["accounts"]) == 1


def test_anonymous_callers_are_told_apart_by_address(sesame: Sesame) -> None:
    """Issue 19, finding 10: X-Forwarded-For from the loopback proxy (FORWARDED_ALLOW_IPS) gives each its address."""
    _, token = awaiting_verification(sesame, contract(sesame))
    key = {"Idempotency-Key": "verify-1"}
    alice, bob = {**key, "X-Forwarded-For": "198.51.100.1"}, {**key, "X-Forwarded-For": "198.51.100.2"}
    first = sesame.http.post("/email-verifications", headers=alice, json={"token": token})
    assert first.status_code == 200, first.text
    replayed = sesame.http.post("/email-verifications", headers=alice, json={"token": token})
    assert replayed.status_code == 200 and replayed.json() == first.json()  # the same caller's repeat
    other = sesame.http.post("/email-verifications", headers=bob, json={"token": token})
    assert other.status_code == 400 and other.json()["error"] == "invalid_token"  # its own answer


def test_a_session_and_an_anonymous_caller_never_share_a_key(sesame: Sesame) -> None:
    _, auth = person(sesame)
    other = contract(sesame)
    key = {"Idempotency-Key": "link-anonymous"}
    assert sesame.http.post("/me/accounts", headers=key, json=provisional(other)).status_code == 401
    assert sesame.http.post("/me/accounts", headers={**auth, **key}, json=provisional(other)).status_code == 201
    assert sesame.http.post("/me/accounts", headers=key, json=provisional(other)).status_code == 401


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
