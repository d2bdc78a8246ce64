"""Following the notification log: one batch, one transaction, one position.

The tracking row is read under the write lock (``BEGIN IMMEDIATE`` on SQLite,
``FOR UPDATE`` on PostgreSQL), so several followers of one projection, in one
process or many, take turns instead of doubling work; a crash anywhere rolls
the view and the position back together.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from adapters.database import Database, Tx
from application.event_store import EventStore

log = logging.getLogger(__name__)


class Projection(Protocol):
    name: str
    tables: Sequence[str]

    def apply(self, event: Any, position: int, tx: Tx) -> None: ...

    def committed(self) -> None:
        """Called after a batch commits (the outbox hands mail to the worker)."""


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
        lock = " FOR UPDATE" if self.db.dialect == "postgresql" else ""
        name = self.projection.name
        with self.db.transaction() as tx:
            tx.execute("INSERT INTO tracking (name, position) VALUES (:name, 0) ON CONFLICT (name) DO NOTHING", {"name": name})
            row = tx.execute(f"SELECT position FROM tracking WHERE name = :name{lock}", {"name": name}).one()
            start = int(row["position"])
            notifications = self.store.recorder.select_notifications(start=start + 1, limit=self.batch)
            for notification in notifications:
                event = self.store.mapper.to_domain_event(notification)
                self.projection.apply(event, notification.id, tx)
            if notifications:
                tx.execute("UPDATE tracking SET position = :p WHERE name = :name", {"p": notifications[-1].id, "name": name})
        if notifications:
            self.projection.committed()
        return len(notifications)

    def catch_up(self) -> int:
        total = 0
        while applied := self.step():
            total += applied
        return total

    def rebuild(self) -> int:
        """Clear the projection's tables and position, then replay everything."""
        with self.db.transaction() as tx:
            for table in self.projection.tables:
                tx.execute(f"DELETE FROM {table}")
            tx.execute("DELETE FROM tracking WHERE name = :name", {"name": self.projection.name})
        return self.catch_up()

    def run(
        self,
        wake: threading.Event,
        stop: threading.Event,
        idle: float = 0.5,
        after: Callable[[], None] = lambda: None,
    ) -> None:
        """Follow until ``stop``: catch up (then ``after``), sleep until woken or ``idle``."""
        while not stop.is_set():
            try:
                self.catch_up()
                after()
            except Exception:  # a follower outlives a bad moment of its database
                log.exception("projection %s failed a batch; retrying", self.projection.name)
                stop.wait(1.0)
            wake.wait(idle)
            wake.clear()
