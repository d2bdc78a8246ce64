"""Projections: exactly once, restart-safe, and a rebuild from zero equals the
live view."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from adapters.bootstrap import Container
from adapters.database import Tx, compose
from projections.follower import Follower
from projections.profile import ProfileProjection
from tests.application.test_retention import PASSWORD, activated, imported

VIEW_TABLES = ("read_identities", "read_accounts", "read_identity_accounts", "search_terms")


def snapshot(app: Container) -> dict[str, list[tuple[Any, ...]]]:
    with app.db.read() as tx:
        return {
            table: sorted(tuple(row) for row in tx.execute(compose("SELECT * FROM {table}", table=table)).all())
            for table in VIEW_TABLES
        }


@pytest.fixture
def history(app: Container) -> Container:
    """A few lives: an active person with two contracts, a pending activation,
    an email change, an abandoned attempt, an erasure."""
    first, second, third = imported(app, 11), imported(app, 12), imported(app, 13, email="x@exemple.fr")
    person = activated(app, first, "vivant@exemple.fr")
    app.fusion.link_from_session(person.id, "AG1", "SOC1", second["login_id"], second["provisional_password"])
    app.account_settings.request_email_change(person.id, "nouveau@exemple.fr", PASSWORD)
    pending = app.activation.start("AG1", "SOC1", third["login_id"], third["provisional_password"])
    app.activation.propose_email(pending["activation"], "attente@exemple.fr")
    app.importer.run([(2, {**first, "holder_name": "Nom Corrigé"})])
    gone = activated(app, imported(app, 14), "parti@exemple.fr")
    app.read_models.wait_timeout = 0.0  # no projection runs here: the erasure purges at once
    app.erasure.erase(gone.id, reason="person")
    return app


def test_a_view_rebuilt_from_zero_equals_the_live_one(history: Container) -> None:
    app = history
    for name in ("profile", "support_search"):
        app.followers[name].catch_up()
    live = snapshot(app)
    assert live["read_identities"] and live["search_terms"]
    for name in ("profile", "support_search"):
        app.followers[name].rebuild()
    assert snapshot(app) == live


class Crashing(ProfileProjection):
    """The profile projection, dying on the n-th event it sees."""

    def __init__(self, fail_at: int) -> None:
        self.seen = 0
        self.fail_at = fail_at

    def apply(self, event: Any, position: int, tx: Tx) -> None:
        self.seen += 1
        if self.seen == self.fail_at:
            raise RuntimeError("killed between the view update and the tracking record")
        super().apply(event, position, tx)


def test_a_crash_between_events_and_tracking_loses_nothing_and_doubles_nothing(history: Container) -> None:
    app = history
    reference = app.followers["profile"]
    reference.rebuild()
    expected = snapshot(app)
    crashing = Follower(app.store, app.db, Crashing(fail_at=7), batch=5)
    with app.db.transaction() as tx:
        for table in ProfileProjection.tables:
            tx.execute(compose("DELETE FROM {table}", table=table))
        tx.execute("DELETE FROM tracking WHERE name = 'profile'")
    with pytest.raises(RuntimeError):
        crashing.catch_up()
    assert crashing.position() == 5  # the first batch committed, the second rolled back whole
    Follower(app.store, app.db, ProfileProjection(), batch=5).catch_up()  # the restarted process
    assert snapshot(app)["read_identities"] == expected["read_identities"]
    assert snapshot(app) == expected


class Counting(ProfileProjection):
    def __init__(self, seen: list[int]) -> None:
        self.seen_positions = seen

    def apply(self, event: Any, position: int, tx: Tx) -> None:
        self.seen_positions.append(position)
        super().apply(event, position, tx)


def test_two_followers_of_one_projection_share_the_work_without_doubling_it(history: Container) -> None:
    app = history
    with app.db.transaction() as tx:
        for table in ProfileProjection.tables:
            tx.execute(compose("DELETE FROM {table}", table=table))
        tx.execute("DELETE FROM tracking WHERE name = 'profile'")
    seen: list[int] = []
    followers = [Follower(app.store, app.db, Counting(seen), batch=3) for _ in range(2)]
    threads = [threading.Thread(target=f.catch_up) for f in followers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    committed = followers[0].position()
    assert committed == app.store.position()
    assert sorted(seen) == sorted(set(seen))  # no event applied twice in a committed batch
    assert set(seen) == set(range(1, committed + 1))


def test_the_search_view_follows_a_holder_renamed_by_a_new_import(app: Container) -> None:
    row = imported(app, 21)
    activated(app, row, "renomme@exemple.fr")
    app.importer.run([(2, {**row, "holder_name": "Zoé Nouvelle"})])
    for name in ("profile", "support_search"):
        app.followers[name].catch_up()
    assert [r["email"] for r in app.read_models.search(["zoe"], None, 10, 0)] == ["renomme@exemple.fr"]
    assert app.read_models.search(["retenu"], None, 10, 0) == []
