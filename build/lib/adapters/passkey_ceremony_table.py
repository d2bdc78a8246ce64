"""Passkey ceremonies under way, beside the events: a row per ceremony, keyed
by the SHA-256 of its token (the browser holds the token, in an HttpOnly
cookie), taken by one ``DELETE ... RETURNING`` so a token serves once even
when two requests race with it. Rows live five minutes; each new ceremony
sweeps the expired ones."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.database import Database
from application.passkey_ceremonies import Ceremony


class PasskeyCeremonyTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def open(self, token_digest: str, ceremony: Ceremony, now: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM passkey_ceremonies WHERE expires_at < :now", {"now": now.isoformat()})
            tx.execute(
                "INSERT INTO passkey_ceremonies (token_digest, purpose, identity_id, expires_at) "
                "VALUES (:d, :p, :i, :e)",
                {
                    "d": token_digest, "p": ceremony.purpose, "e": ceremony.expires_at.isoformat(),
                    "i": str(ceremony.identity_id) if ceremony.identity_id else None,
                },
            )

    def take(self, token_digest: str) -> Ceremony | None:
        with self.db.transaction() as tx:
            row = tx.execute(
                "DELETE FROM passkey_ceremonies WHERE token_digest = :d RETURNING purpose, identity_id, expires_at",
                {"d": token_digest},
            ).one()
        if row is None:
            return None
        identity_id = UUID(row["identity_id"]) if row["identity_id"] else None
        return Ceremony(row["purpose"], identity_id, datetime.fromisoformat(row["expires_at"]))
