"""A use case re-run after a lost race (``retrying``) reads again but spends
nothing twice: one throttle hit, one argon2 verification, one hash."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Container
from application.errors import Conflict
from application.throttle import Limit
from tests.application.test_retention import PASSWORD, activated, identity_of, imported

NEW_PASSWORD = "Nouve@u-Secret-9"


def test_a_retried_use_case_counts_one_throttle_hit_and_hashes_once(
    app: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = activated(app, imported(app, 51), "course@exemple.fr")
    spent: list[str] = []
    store, hasher = app.account_settings.throttle.store, app.account_settings.passwords.hasher
    hit, hash_, verify, commit = store.hit, hasher.hash, hasher.verify, app.store.commit

    def counted_hit(limits: Sequence[Limit], now: datetime) -> list[timedelta]:
        spent.append("hit")
        return hit(limits, now)

    def counted_hash(password: str) -> str:
        spent.append("hash")
        return hash_(password)

    def counted_verify(password_hash: str, password: str) -> bool:
        spent.append("verify")
        return verify(password_hash, password)

    def losing_the_first_race(*aggregates: Any, **writes: Any) -> int:
        spent.append("commit")
        if spent.count("commit") == 1:
            raise Conflict()  # a concurrent writer got there first: the use case runs again
        return commit(*aggregates, **writes)

    monkeypatch.setattr(store, "hit", counted_hit)
    monkeypatch.setattr(hasher, "hash", counted_hash)
    monkeypatch.setattr(hasher, "verify", counted_verify)
    monkeypatch.setattr(app.store, "commit", losing_the_first_race)

    app.account_settings.change_password(person.id, PASSWORD, NEW_PASSWORD, NEW_PASSWORD, keep_session=None)

    # two verifications, each once: the current password, and the new one compared with it (same_password)
    assert spent == ["hit", "verify", "verify", "hash", "commit", "commit"]
    assert app.passwords.verify(identity_of(app, person.id).password_hash, NEW_PASSWORD)


def test_outside_a_retried_use_case_every_call_spends(app: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """``once`` only spares a re-run: two calls are two tries."""
    throttle = app.account_settings.throttle
    counted: list[int] = []
    hit = throttle.store.hit

    def counted_hit(limits: Sequence[Limit], now: datetime) -> list[timedelta]:
        counted.append(len(limits))
        return hit(limits, now)

    monkeypatch.setattr(throttle.store, "hit", counted_hit)
    limits = throttle.password("deux@exemple.fr")
    throttle.spend(*limits)
    throttle.spend(*limits)
    assert counted == [1, 1]
