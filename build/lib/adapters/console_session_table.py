"""The console's sessions in a table of their own, apart from people's: the
token's SHA-256, never the token, with the member and both deadlines."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.database import Database
from application.staff_sessions import ConsoleSession


class ConsoleSessionTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, session: ConsoleSession) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO console_sessions (token_digest, staff_id, expires_at, idle_until, last_seen_at) "
                "VALUES (:d, :s, :e, :i, :at)",
                {"d": session.token_digest, "s": str(session.staff_id), "e": session.expires_at.isoformat(),
                 "i": session.idle_until.isoformat(), "at": session.last_seen_at.isoformat()},
            )

    def get(self, token_digest: str) -> ConsoleSession | None:
        with self.db.read() as tx:
            row = tx.execute("SELECT * FROM console_sessions WHERE token_digest = :d", {"d": token_digest}).one()
        if row is None:
            return None
        return ConsoleSession(
            row["token_digest"], UUID(row["staff_id"]), datetime.fromisoformat(row["expires_at"]),
            datetime.fromisoformat(row["idle_until"]), datetime.fromisoformat(row["last_seen_at"]),
        )

    def touch(self, token_digest: str, seen_at: datetime, idle_until: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE console_sessions SET last_seen_at = :at, idle_until = :i WHERE token_digest = :d",
                {"d": token_digest, "at": seen_at.isoformat(), "i": idle_until.isoformat()},
            )

    def remove(self, token_digest: str) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM console_sessions WHERE token_digest = :d", {"d": token_digest})

    def remove_all(self, staff_id: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM console_sessions WHERE staff_id = :s", {"s": str(staff_id)})

    def remove_expired(self, now: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM console_sessions WHERE expires_at <= :now OR idle_until <= :now", {"now": now.isoformat()}
            )
