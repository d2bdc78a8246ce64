"""The outbox table: mails decided by committed events, waiting for delivery.

A row moves pending → queued → sending → sent, or back to pending with a later
``next_attempt_at`` after a failure, or to failed after too many. Taking a row
is a conditional update, so two workers never send the same mail at once. In
``sending``, ``next_attempt_at`` is the end of the worker's lease, renewed by
its heartbeat (``application.outbox_leases``): a killed worker's row comes due
again seconds after its last beat. ``attempts`` fences the lease: a worker
whose row was taken over can no longer renew it or record it failed.

``queued`` means a job for the row is on the broker: the row is not handed to
the broker again until ``QUEUED_LEASE`` has passed (a message lost with a
broker or an in-process queue), so a stopped worker does not let the queue
grow by every due mail at every round of the outbox.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.database import Database

QUEUED_LEASE = timedelta(minutes=1)


class OutboxTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def take(self, mail_id: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None:
        """Lease a due mail to us until ``lease_until``; None if it is not ours to send."""
        with self.db.transaction() as tx:
            taken = tx.execute(
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, next_attempt_at = :lease "
                "WHERE mail_id = :id "
                "AND (status = 'queued' OR (status IN ('pending', 'sending') AND next_attempt_at <= :now))",
                {"id": mail_id, "now": now.isoformat(), "lease": lease_until.isoformat()},
            ).rowcount
            if not taken:
                return None
            row = tx.execute("SELECT * FROM outbox WHERE mail_id = :id", {"id": mail_id}).one()
        mail = dict(row)
        mail["payload"] = json.loads(mail["payload"])
        return mail

    def renew(self, row_id: str, attempt: int, until: datetime) -> bool:
        with self.db.transaction() as tx:
            renewed = tx.execute(
                "UPDATE outbox SET next_attempt_at = :until "
                "WHERE mail_id = :id AND status = 'sending' AND attempts = :attempt",
                {"id": row_id, "attempt": attempt, "until": until.isoformat()},
            ).rowcount
            return renewed == 1

    def sent(self, mail_id: str, now: datetime) -> None:
        """Whoever had the relay's 250 records it, taken over or not."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE outbox SET status = 'sent', sent_at = :now, last_error = NULL WHERE mail_id = :id",
                {"id": mail_id, "now": now.isoformat()},
            )

    def failed(self, mail_id: str, attempt: int, error: str, retry_at: datetime | None) -> None:
        """Record the failure of ``attempt``: due again at ``retry_at``, or given
        up when None; nothing if the row was taken over meanwhile."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE outbox SET status = :status, last_error = :error, next_attempt_at = :retry "
                "WHERE mail_id = :id AND status = 'sending' AND attempts = :attempt",
                {
                    "id": mail_id,
                    "attempt": attempt,
                    "error": error[:500],
                    "status": "pending" if retry_at else "failed",
                    "retry": (retry_at or datetime.max).isoformat(),
                },
            )

    def due(self, now: datetime, limit: int = 100) -> list[str]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT mail_id FROM outbox "
                "WHERE status IN ('pending', 'queued', 'sending') AND next_attempt_at <= :now "
                "ORDER BY next_attempt_at LIMIT :limit",
                {"now": now.isoformat(), "limit": limit},
            ).all()
        return [row["mail_id"] for row in rows]

    def finished(self, kind: str) -> list[tuple[str, UUID]]:
        """(mail id, the row's subject) of the rows of ``kind`` sent or given up."""
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT mail_id, identity_id FROM outbox WHERE kind = :kind AND status IN ('sent', 'failed')",
                {"kind": kind},
            ).all()
        return [(row["mail_id"], UUID(row["identity_id"])) for row in rows]

    def forget(self, mail_id: str) -> None:
        """The row goes, and with it (``compact``) every copy SQLite's WAL kept of it."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM outbox WHERE mail_id = :id", {"id": mail_id})
        self.db.compact()

    def queued(self, mail_id: str, now: datetime) -> None:
        """Record that a job for a due mail is on the broker. Called after the
        job is sent: a crash in between leaves the row due, to be queued again,
        and a worker that took the row already keeps it."""
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE outbox SET status = 'queued', next_attempt_at = :lease WHERE mail_id = :id "
                "AND status IN ('pending', 'queued', 'sending') AND next_attempt_at <= :now",
                {"id": mail_id, "now": now.isoformat(), "lease": (now + QUEUED_LEASE).isoformat()},
            )
