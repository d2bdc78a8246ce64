"""Following the notification log: one batch, one transaction, one position.

A batch is read and decoded first, outside any lock; then, under the write
lock (``BEGIN IMMEDIATE`` on SQLite, ``FOR UPDATE`` on PostgreSQL), it is
applied only if the tracked position is still the one it was read after. So
several followers of one projection, in one process or many, never double
work; a crash anywhere rolls the view and the position back together; and no
follower waits for the event store while holding SQLite's only write lock
(writers queued on that lock would hold the store's connections it needs).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any

from adapters.database import Database, Tx, compose
from application.event_store import EventStore

log = logging.getLogger(__name__)


class Projection:
    """A read model: its tables (created and changed by the migrations in its
    folder, ``projections/migrations/<migrations>``), how each event changes
    them, and how a person's data leaves them at once on erasure."""

    name: str
    tables: Sequence[str]
    migrations: str

    def prepare(self, events: list[Any]) -> None:
        """Gather, before the write lock, what ``apply`` will need from elsewhere."""

    def apply(self, event: Any, position: int, tx: Tx) -> None:
        raise NotImplementedError

    def committed(self) -> None:
        """Called after a batch commits (the outbox hands mail to the worker)."""

    def forget(self, tx: Tx, identity_id: str) -> None:
        """Clear an erased person's data now, as the ``Erased`` event will on
        its way (the projection may be behind, or its process down)."""

    def forget_contract(self, tx: Tx, account_id: str) -> None:
        """Clear an erased contract's data now, likewise."""


class Follower:
    def __init__(self, store: EventStore, db: Database, projection: Projection, batch: int = 500) -> None:
        self.store = store
        self.db = db
        self.projection = projection
        self.batch = batch

    def position(self) -> int:
        with self.db.read() as tx:
            row = tx.execute("SELECT position FROM tracking WHERE name = :name", {"name": self.projection.name}).one()
        return int(row["position"]) if row else 0

    def step(self) -> int:
        """Apply the next batch of events; returns how many were applied."""
        while True:
            start = self.position()
            notifications = self.store.recorder.select_notifications(start=start + 1, limit=self.batch)
            if not notifications:
                return 0
            events = [(self.store.mapper.to_domain_event(n), n.id) for n in notifications]
            self.projection.prepare([event for event, _ in events])
            if self._apply(start, events):
                self.projection.committed()
                return len(events)
            # another follower applied this batch first: read on from where it got

    def _apply(self, start: int, events: list[tuple[Any, int]]) -> bool:
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        name = self.projection.name
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO tracking (name, position) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING", {"name": name}
            )
            row = tx.execute(
                compose("SELECT position FROM tracking WHERE name = :name{lock}", lock=lock), {"name": name}
            ).one()
            if int(row["position"]) != start:
                return False
            for event, position in events:
                self.projection.apply(event, position, tx)
            tx.execute("UPDATE tracking SET position = :p WHERE name = :name", {"p": events[-1][1], "name": name})
        return True

    def catch_up(self) -> int:
        total = 0
        while applied := self.step():
            total += applied
        return total

    def rebuild(self) -> int:
        """Clear the projection's tables and position, then replay everything."""
        with self.db.transaction() as tx:
            for table in self.projection.tables:
                tx.execute(compose("DELETE FROM {table}", table=table))
            tx.execute("DELETE FROM tracking WHERE name = :name", {"name": self.projection.name})
        return self.catch_up()

    def run(
        self, wake: threading.Event, stop: threading.Event, idle: float = 0.5, after: Callable[[], None] = lambda: None
    ) -> None:
        """Follow until ``stop``: catch up (then ``after``), then sleep until
        ``wake`` is set (a commit of this process, or of another one announced
        by the database) or ``idle`` seconds pass, in case an announcement was
        lost or ``after`` has work that comes due with time."""
        while not stop.is_set():
            try:
                self.catch_up()
                after()
            except Exception:  # a follower outlives a bad moment of its database
                log.exception("projection %s failed a batch; retrying", self.projection.name)
                stop.wait(1.0)
            wake.wait(idle)
            wake.clear()
