"""Throttle counts in a table beside the events, shared by every server process.

Each key's row is locked before it is read (an upsert that sets ``hits`` to
itself takes PostgreSQL's row lock; SQLite's write transaction already holds the
whole file), so the read, the decision and the new count are one step even
when processes race on the same key. Rows whose rule forgets them are swept
as they expire; rows that never expire (a locked code, a password's
consecutive failures) are cleared by success, a reset or a new code.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from adapters.database import Database, Tx
from application.ports import Writes
from application.throttle import Limit

UNTOUCHED = timedelta(days=1)  # a row created for a refused request, swept after


class ThrottleTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def hit(self, limits: Sequence[Limit], now: datetime) -> list[timedelta]:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM throttle WHERE forget_at < :now", {"now": now.isoformat()})
            counts = [self._locked_count(tx, limit, now) for limit in limits]
            waits = [limit.rule.wait(hits, last_at, now) for limit, (hits, last_at) in zip(limits, counts, strict=True)]
            if any(waits):
                return waits
            for limit, (hits, _) in zip(limits, counts, strict=True):
                forget = limit.rule.forget_after
                tx.execute(
                    "UPDATE throttle SET hits = :hits, last_at = :now, forget_at = :forget WHERE key_digest = :k",
                    {
                        "k": limit.key,
                        "hits": hits + 1,
                        "now": now.isoformat(),
                        "forget": (now + forget).isoformat() if forget else None,
                    },
                )
            return waits

    @staticmethod
    def _locked_count(tx: Tx, limit: Limit, now: datetime) -> tuple[int, datetime]:
        """The key's count in force and its last hit, its row created if need be
        and locked until commit, in one statement (an upsert that changes
        nothing takes the row's lock, even against a concurrent ``forget``)."""
        row = tx.execute(
            "INSERT INTO throttle (key_digest, hits, last_at, forget_at) VALUES (:k, 0, :now, :forget) "
            "ON CONFLICT (key_digest) DO UPDATE SET hits = throttle.hits RETURNING hits, last_at",
            {"k": limit.key, "now": now.isoformat(), "forget": (now + UNTOUCHED).isoformat()},
        ).one()
        last_at = datetime.fromisoformat(row["last_at"])
        return limit.rule.hits(int(row["hits"]), last_at, now), last_at

    def forget(self, keys: Sequence[str]) -> None:
        self._run(self.passing([], keys))

    def take_back(self, keys: Sequence[str]) -> None:
        self._run(self.passing(keys, []))

    @staticmethod
    def passing(take_back: Sequence[str], forget: Sequence[str]) -> Writes:
        return [
            *(("UPDATE throttle SET hits = hits - 1 WHERE key_digest = :k AND hits > 0", {"k": k}) for k in take_back),
            *(("DELETE FROM throttle WHERE key_digest = :k", {"k": k}) for k in forget),
        ]

    def _run(self, writes: Writes) -> None:
        if writes:
            with self.db.transaction() as tx:
                tx.run(writes)

    def count(self, key: str) -> tuple[int, datetime] | None:
        """A key's hits and last hit, read without adding one (support reads it)."""
        with self.db.read() as tx:
            row = tx.execute("SELECT hits, last_at FROM throttle WHERE key_digest = :k", {"k": key}).one()
        return (int(row["hits"]), datetime.fromisoformat(row["last_at"])) if row else None
