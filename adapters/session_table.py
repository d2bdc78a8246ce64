"""Sessions in a table beside the events: digest of the token, never the token."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.database import Database
from application.ports import Session


class SessionTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, session: Session) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO sessions (token_digest, identity_id, expires_at) VALUES (:d, :i, :e)",
                {"d": session.token_digest, "i": str(session.identity_id), "e": session.expires_at.isoformat()},
            )

    def get(self, token_digest: str) -> Session | None:
        with self.db.read() as tx:
            row = tx.execute("SELECT * FROM sessions WHERE token_digest = :d", {"d": token_digest}).one()
        if row is None:
            return None
        return Session(row["token_digest"], UUID(row["identity_id"]), datetime.fromisoformat(row["expires_at"]))

    def remove(self, token_digest: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM sessions WHERE token_digest = :d", {"d": token_digest})

    def remove_all(self, identity_id: UUID, keep: str | None) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM sessions WHERE identity_id = :i AND token_digest <> :keep",
                {"i": str(identity_id), "keep": keep or ""},
            )
