"""Sessions in a table beside the events: digest of the token, never the token.

Idle-limited (portal) sessions keep their inactivity deadline in ``session_idle``;
a session without a row there ends only at its absolute ``expires_at``. The
sign-in's public id (``sid``) and time are in ``session_sign_in``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.database import Database
from application.ports import Session

SIDE_TABLES = ("session_idle", "session_sign_in")  # rows keyed by a session's digest, deleted with it


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
            if session.sid and session.authenticated_at is not None:
                tx.execute(
                    "INSERT INTO session_sign_in (token_digest, sid, authenticated_at) VALUES (:d, :s, :a)",
                    {"d": session.token_digest, "s": session.sid, "a": session.authenticated_at.isoformat()},
                )

    def get(self, token_digest: str) -> Session | None:
        with self.db.read() as tx:
            row = tx.execute(
                "SELECT s.token_digest, s.identity_id, s.expires_at, i.idle_until, g.sid, g.authenticated_at "
                "FROM sessions s LEFT JOIN session_idle i ON i.token_digest = s.token_digest "
                "LEFT JOIN session_sign_in g ON g.token_digest = s.token_digest WHERE s.token_digest = :d",
                {"d": token_digest},
            ).one()
        if row is None:
            return None
        idle_until = datetime.fromisoformat(row["idle_until"]) if row["idle_until"] else None
        authenticated_at = datetime.fromisoformat(row["authenticated_at"]) if row["authenticated_at"] else None
        return Session(
            row["token_digest"], UUID(row["identity_id"]), datetime.fromisoformat(row["expires_at"]), idle_until,
            row["sid"] or "", authenticated_at,
        )

    def prolong(self, token_digest: str, idle_until: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE session_idle SET idle_until = :u WHERE token_digest = :d",
                {"d": token_digest, "u": idle_until.isoformat()},
            )

    def remove(self, token_digest: str) -> None:
        with self.db.transaction() as tx:
            for table in SIDE_TABLES:
                tx.execute(f"DELETE FROM {table} WHERE token_digest = :d", {"d": token_digest})
            tx.execute("DELETE FROM sessions WHERE token_digest = :d", {"d": token_digest})

    def remove_all(self, identity_id: UUID, keep: str | None) -> None:
        params = {"i": str(identity_id), "keep": keep or ""}
        with self.db.transaction() as tx:
            for table in SIDE_TABLES:
                tx.execute(
                    f"DELETE FROM {table} WHERE token_digest IN "
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
            tx.execute("DELETE FROM session_sign_in WHERE token_digest NOT IN (SELECT token_digest FROM sessions)")
            return tx.execute(
                "DELETE FROM session_idle WHERE token_digest NOT IN (SELECT token_digest FROM sessions)", params
            ).rowcount
