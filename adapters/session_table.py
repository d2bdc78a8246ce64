"""Sessions in a table beside the events: digest of the token, never the token.

Idle-limited (portal) sessions keep their inactivity deadline in ``session_idle``;
a session without a row there ends only at its absolute ``expires_at``. The
sign-in's public id (``sid``) and time are in ``session_sign_in``; where it is
used from and its last use in ``session_device``.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from adapters.database import Database, compose
from application.ports import Session, Writes

SIDE_TABLES = ("session_idle", "session_sign_in", "session_device")  # rows keyed by a session's digest, deleted with it


def moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


class SessionTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, session: Session, then: Writes = ()) -> None:
        with self.db.transaction() as tx:
            tx.run([*self.opening(session), *then])

    @staticmethod
    def opening(session: Session) -> Writes:
        d = session.token_digest
        writes = [(
            "INSERT INTO sessions (token_digest, identity_id, expires_at) VALUES (:d, :i, :e)",
            {"d": d, "i": str(session.identity_id), "e": session.expires_at.isoformat()},
        )]
        if session.idle_until is not None:
            writes.append((
                "INSERT INTO session_idle (token_digest, idle_until) VALUES (:d, :u)",
                {"d": d, "u": session.idle_until.isoformat()},
            ))
        if session.sid and session.authenticated_at is not None:
            writes.append((
                "INSERT INTO session_sign_in (token_digest, sid, authenticated_at) VALUES (:d, :s, :a)",
                {"d": d, "s": session.sid, "a": session.authenticated_at.isoformat()},
            ))
        if session.last_seen_at is not None:
            writes.append((
                "INSERT INTO session_device (token_digest, device, ip, last_seen_at) VALUES (:d, :device, :ip, :at)",
                {"d": d, "device": session.device, "ip": session.ip, "at": session.last_seen_at.isoformat()},
            ))
        return writes

    def get(self, token_digest: str) -> Session | None:
        rows = self._select("s.token_digest = :d", {"d": token_digest})
        return rows[0] if rows else None

    def of_person(self, identity_id: UUID) -> list[Session]:
        return self._select("s.identity_id = :i", {"i": str(identity_id)})

    def _select(self, where: str, params: dict[str, str]) -> list[Session]:
        with self.db.read() as tx:
            rows = tx.execute(
                compose(
                    "SELECT s.token_digest, s.identity_id, s.expires_at, i.idle_until, g.sid, g.authenticated_at, "
                    "v.device, v.ip, v.last_seen_at FROM sessions s "
                    "LEFT JOIN session_idle i ON i.token_digest = s.token_digest "
                    "LEFT JOIN session_sign_in g ON g.token_digest = s.token_digest "
                    "LEFT JOIN session_device v ON v.token_digest = s.token_digest WHERE {where} "
                    "ORDER BY g.authenticated_at, s.token_digest",
                    where=where,
                ),
                params,
            ).all()
        return [
            Session(
                row["token_digest"], UUID(row["identity_id"]), datetime.fromisoformat(row["expires_at"]),
                moment(row["idle_until"]), row["sid"] or "", moment(row["authenticated_at"]),
                row["device"] or "", row["ip"] or "", moment(row["last_seen_at"]),
            )
            for row in rows
        ]

    def touch(self, token_digest: str, seen_at: datetime, idle_until: datetime | None) -> None:
        with self.db.transaction() as tx:
            if idle_until is not None:
                tx.execute(
                    "UPDATE session_idle SET idle_until = :u WHERE token_digest = :d",
                    {"d": token_digest, "u": idle_until.isoformat()},
                )
            tx.execute(  # a session opened before this table gets its row at its next use
                "INSERT INTO session_device (token_digest, device, ip, last_seen_at) VALUES (:d, '', '', :at) "
                "ON CONFLICT (token_digest) DO UPDATE SET last_seen_at = excluded.last_seen_at",
                {"d": token_digest, "at": seen_at.isoformat()},
            )

    def remove(self, token_digest: str) -> None:
        with self.db.transaction() as tx:
            for table in SIDE_TABLES:
                tx.execute(compose("DELETE FROM {table} WHERE token_digest = :d", table=table), {"d": token_digest})
            tx.execute("DELETE FROM sessions WHERE token_digest = :d", {"d": token_digest})

    def remove_all(self, identity_id: UUID, keep: str | None) -> None:
        params = {"i": str(identity_id), "keep": keep or ""}
        with self.db.transaction() as tx:
            for table in SIDE_TABLES:
                tx.execute(
                    compose(
                        "DELETE FROM {table} WHERE token_digest IN "
                        "(SELECT token_digest FROM sessions WHERE identity_id = :i AND token_digest <> :keep)",
                        table=table,
                    ),
                    params,
                )
            tx.execute("DELETE FROM sessions WHERE identity_id = :i AND token_digest <> :keep", params)

    def remove_expired(self, now: datetime) -> int:
        """Housekeeping: sessions past their absolute or idle deadline."""
        params = {"now": now.isoformat()}
        with self.db.transaction() as tx:
            removed = tx.execute(
                "DELETE FROM sessions WHERE expires_at <= :now OR token_digest IN "
                "(SELECT token_digest FROM session_idle WHERE idle_until <= :now)",
                params,
            ).rowcount
            for table in SIDE_TABLES:
                tx.execute(
                    compose(
                        "DELETE FROM {table} WHERE token_digest NOT IN (SELECT token_digest FROM sessions)", table=table
                    )
                )
            return removed
