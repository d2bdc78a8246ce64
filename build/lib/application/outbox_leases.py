"""Leases on the outbox rows a worker is delivering, kept alive by a heartbeat.

Taking a row leases it for ``LEASE``; while the worker holds it, one thread
of its process renews the lease of every row it holds each ``HEARTBEAT``,
however long the relay takes to answer. A worker killed with SIGKILL renews
nothing: its rows come due ``LEASE`` after its last beat, and the outbox hands
them to the broker again, so a dead worker's mail goes out seconds later, not
after a fixed wait sized for the slowest relay.

Why a lease on the row rather than the broker's acknowledgement: the row, not
the job, records what was sent, and the brokers differ (Redis hands a dead
consumer's unacknowledged jobs over only after its own 60 s heartbeat timeout,
and then at random maintenance; the in-process broker never). One rule on the
row serves every broker and can be tested with a clock.

A lease is fenced by the row's attempt number: once another worker took the
row over, a late renewal or failure of the first one changes nothing (its
``sent`` still counts: the relay has the message). Rows are generic outbox
rows: any kind of delivery the outbox holds can be leased. The hosts' clocks
must agree within a few seconds (NTP): one host writes a lease, another reads it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Protocol

from application.ports import Clock

log = logging.getLogger(__name__)
LEASE = timedelta(seconds=10)
HEARTBEAT = timedelta(seconds=2)


class LeasedRows(Protocol):
    def renew(self, row_id: str, attempt: int, until: datetime) -> bool:
        """Move the lease of a row still held under ``attempt``; False when it was taken over."""


class Leases:
    """The rows this process holds, and the heartbeat that keeps them."""

    def __init__(
        self, rows: LeasedRows, clock: Clock, lease: timedelta = LEASE, heartbeat: timedelta = HEARTBEAT
    ) -> None:
        self.rows = rows
        self.clock = clock
        self.lease = lease
        self.heartbeat = heartbeat
        self._held: dict[str, int] = {}
        self._lock = threading.Lock()

    def until(self) -> datetime:
        """The end of a lease taken or renewed now."""
        return self.clock.now() + self.lease

    @contextmanager
    def holding(self, row_id: str, attempt: int) -> Iterator[None]:
        """Keep the lease of ``row_id`` (taken under ``attempt``) while in the block."""
        with self._lock:
            self._held[row_id] = attempt
        try:
            yield
        finally:
            with self._lock:
                self._held.pop(row_id, None)

    def held(self) -> dict[str, int]:
        with self._lock:
            return dict(self._held)

    def renew(self) -> None:
        """One heartbeat: renew every lease held; a database that fails it is
        tried again at the next beat, well before the lease ends."""
        for row_id, attempt in self.held().items():
            try:
                if not self.rows.renew(row_id, attempt, self.until()):
                    log.warning("lease on %s (attempt %s) was taken over", row_id, attempt)
            except Exception:
                log.exception("renewing the lease on %s failed; trying again", row_id)

    def run(self, stop: threading.Event) -> None:
        """Beat until ``stop``, then for as long as rows are held: a stopping
        worker finishes the deliveries in hand, and keeps them meanwhile."""
        while not stop.wait(self.heartbeat.total_seconds()):
            self.renew()
        while self.held():
            self.renew()
            time.sleep(self.heartbeat.total_seconds())
