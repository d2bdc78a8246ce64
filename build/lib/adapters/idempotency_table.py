"""Remembered answers to requests sent with an ``Idempotency-Key``, each
under a digest of its caller, path and key (``web/idempotency.py``).

The key is claimed by inserting its row before the request runs, so two
concurrent repeats cannot both execute; the answer is stored when it is
known. Keys are kept a day.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from adapters.database import Database

KEEP = timedelta(days=1)


class IdempotencyTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def claim(self, key_digest: str, request_digest: str, now: datetime) -> dict[str, Any] | None:
        """None when the key is new (and now ours); else the row already there."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM idempotency WHERE created_at < :old", {"old": (now - KEEP).isoformat()})
            inserted = tx.execute(
                "INSERT INTO idempotency (key_digest, request_digest, status, body, created_at) "
                "VALUES (:k, :r, 0, '', :now) ON CONFLICT (key_digest) DO NOTHING",
                {"k": key_digest, "r": request_digest, "now": now.isoformat()},
            ).rowcount
            if inserted:
                return None
            return dict(tx.execute("SELECT * FROM idempotency WHERE key_digest = :k", {"k": key_digest}).one())

    def answer(self, key_digest: str, status: int, body: str) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE idempotency SET status = :s, body = :b WHERE key_digest = :k",
                {"k": key_digest, "s": status, "b": body},
            )

    def forget(self, key_digest: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM idempotency WHERE key_digest = :k", {"k": key_digest})
