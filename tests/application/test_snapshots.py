"""Snapshots: taken every SNAPSHOT_EVERY versions, sealed under the subject's key,
used by every load and by the auditors' state at a moment, shredded by erasure."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest

from adapters.bootstrap import Container
from application.audit import state_view
from application.personal_data import ERASED
from application.snapshots import SNAPSHOT_EVERY, SnapshotShredded
from domain.identity import Identity

EMAIL = "instantane@exemple.fr"


def long_lived(events: int) -> Identity:
    """An active identity with ``events`` events: password resets asked and used, as years of use."""
    now = datetime.now(UTC)
    identity = Identity(uuid4(), "nonce")
    identity.propose_email(EMAIL)
    identity.set_password("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    identity.accept_terms("2026-11-01")
    identity.request_email_verification("verify", now + timedelta(days=1))
    identity.verify_email("verify", now)
    while identity.version + 2 <= events:
        identity.request_password_reset("reset", now + timedelta(days=1))
        identity.reset_password("reset", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3", now)
    return identity


def folded(events: list[Any], at: datetime) -> Any:
    identity: Any = None
    for event in events:
        if event.timestamp <= at:
            identity = event.mutate(identity)
    return identity


def snapshot_rows(app: Container, identity: Identity) -> list[Any]:
    """The snapshots' rows as stored (sealed)."""
    assert app.store.snapshots is not None
    return list(app.store.snapshots.recorder.select_events(identity.id))


@pytest.fixture
def saved(app: Container) -> tuple[Container, Identity]:
    identity = long_lived(2 * SNAPSHOT_EVERY + 37)
    app.store.save(identity)
    return app, identity


def test_a_snapshot_is_taken_every_n_versions_and_loads_start_from_it(saved: tuple[Container, Identity]) -> None:
    app, identity = saved
    assert [row.originator_version for row in snapshot_rows(app, identity)] == [SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY]
    loaded: Any = app.store.repository.get(identity.id)
    assert loaded.version == identity.version and loaded.email == EMAIL
    assert vars(loaded) == vars(app.store.repository.get(identity.id))
    at_version: Any = app.store.repository.get(identity.id, version=SNAPSHOT_EVERY + 3)
    events: list[Any] = list(app.store.events.get(identity.id))
    replayed = folded(events[: SNAPSHOT_EVERY + 3], events[-1].timestamp)
    assert state_view(at_version, events[0].timestamp) == state_view(replayed, events[0].timestamp)


def test_the_state_at_a_moment_is_the_fold_of_the_events_up_to_it(saved: tuple[Container, Identity]) -> None:
    app, identity = saved
    events: list[Any] = list(app.store.events.get(identity.id))
    draw = random.Random(17)
    edges = (0, SNAPSHOT_EVERY - 1, SNAPSHOT_EVERY, 2 * SNAPSHOT_EVERY + 1, len(events) - 1)
    moments = [events[i].timestamp for i in edges]
    moments += [events[draw.randrange(len(events))].timestamp + timedelta(microseconds=1) for _ in range(10)]
    for at in moments:
        assert state_view(app.store.state_at(identity.id, at), at) == state_view(folded(events, at), at)
    assert app.store.state_at(identity.id, events[0].timestamp - timedelta(seconds=1)) is None


def test_snapshots_are_sealed_and_erasure_shreds_them(saved: tuple[Container, Identity], workdir: Path) -> None:
    app, identity = saved
    raw = b"".join(p.read_bytes() for p in Path("var").glob("sesame.db*"))
    assert snapshot_rows(app, identity) and EMAIL.encode() not in raw
    app.store.subject_keys.shred(identity.id)
    assert app.store.snapshots is not None
    with pytest.raises(SnapshotShredded):
        list(app.store.snapshots.get(identity.id))
    after: Any = app.store.repository.get(identity.id)  # the events alone, their personal fields erased
    assert after.version == identity.version and after.email == ERASED
    last = list(app.store.events.get(identity.id))[-1].timestamp  # type: ignore[attr-defined]
    assert app.store.state_at(identity.id, last).email == ERASED


def test_a_snapshot_holds_the_passkeys_and_the_two_step_secret(app: Container) -> None:
    """Every kind of value an identity keeps beyond its events' fields goes
    through the snapshot and back (a missing transcoding would break the save)."""
    now = datetime.now(UTC)
    identity = long_lived(8)
    identity.register_passkey("pk1", "credential-1", "cose-key", 0, "Téléphone de Camille", now)
    identity.enrol_two_step("JBSWY3DPEHPK3PXP")
    while identity.version < SNAPSHOT_EVERY + 2:
        identity.use_passkey("credential-1", 0, now)
    app.store.save(identity)
    assert [row.originator_version for row in snapshot_rows(app, identity)] == [SNAPSHOT_EVERY]
    loaded: Any = app.store.repository.get(identity.id)
    assert loaded.passkeys == identity.passkeys and vars(loaded.two_step) == vars(identity.two_step)
