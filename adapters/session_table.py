"""Sessions in a table beside the events: digest of the token, never the token.

Idle-limited (portal) sessions keep their inactivity deadline in ``session_idle``;
a session without a row there ends only at its absolute ``expires_at``.
"""

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
            if session.idle_until is not None:
                tx.execute(
                    "INSERT INTO session_idle (token_digest, idle_until) VALUES (:d, :u)",
                    {"d": session.token_digest, "u": session.idle_until.isoformat()},
                )

    def get(self, token_digest: str) -> Session | None:
        with self.db.read() as tx:
            row = tx.execute(
                "SELECT s.token_digest, s.identity_id, s.expires_at, i.idle_until FROM sessions s "
                "LEFT JOIN session_idle i ON i.token_digest = s.token_digest WHERE s.token_digest = :d",
                {"d": token_digest},
            ).one()
        if row is None:
            return None
        idle_until = datetime.fromisoformat(row["idle_until"]) if row["idle_until"] else None
        return Session(row["token_digest"], UUID(row["identity_id"]), datetime.fromisoformat(row["expires_at"]), idle_until)

    def prolong(self, token_digest: str, idle_until: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE session_idle SET idle_until = :u WHERE token_digest = :d",
                {"d": token_digest, "u": idle_until.isoformat()},
            )

    def remove(self, token_digest: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM session_idle WHERE token_digest = :d", {"d": token_digest})
            tx.execute("DELETE FROM sessions WHERE token_digest = :d", {"d": token_digest})

    def remove_all(self, identity_id: UUID, keep: str | None) -> None:
        params = {"i": str(identity_id), "keep": keep or ""}
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM session_idle WHERE token_digest IN "
                "(SELECT token_digest FROM sessions WHERE identity_id = :i AND token_digest <> :keep)",
                params,
            )
            tx.execute("DELETE FROM sessions WHERE identity_id = :i AND token_digest <> :keep", params)

    def remove_expired(self, now: datetime) -> int:
        """Housekeeping: sessions past their absolute or idle deadline."""
        params = {"now": now.isoformat()}
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM sessions WHERE expires_at <= :now OR token_digest IN "
                "(SELECT token_digest FROM session_idle WHERE idle_until <= :now)",
                params,
            )
            return tx.execute(
                "DELETE FROM session_idle WHERE token_digest NOT IN (SELECT token_digest FROM sessions)", params
            ).rowcount
