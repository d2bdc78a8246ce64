"""Codes and tokens of the OIDC provider: SHA-256 digests, their sign-in, their state.

A revoked sign-in is a row of ``oidc_revoked_sign_ins``: every lookup joins
it, so a token saved after the revocation (a racing redemption) is dead too.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from adapters.database import Database, compose
from application.oidc.tokens import REFRESH_LIFETIME, TokenRecord


class TokenTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, *records: TokenRecord) -> None:
        with self.db.transaction() as tx:
            for sql, params in self.inserts(*records):
                tx.execute(sql, params)

    @staticmethod
    def inserts(*records: TokenRecord) -> list[tuple[str, dict[str, Any]]]:
        """The statement adding these rows (one, whatever their number: one round
        trip to the server), for a transaction of the event store or of ``spend``."""
        if not records:
            return []
        values, params = [], {}
        for n, r in enumerate(records):
            values.append(f"(:d{n}, :k{n}, :s{n}, :c{n}, :i{n}, :scope{n}, :data{n}, :at{n}, :exp{n})")
            params.update({
                f"d{n}": r.digest, f"k{n}": r.kind, f"s{n}": str(r.sign_in_id), f"c{n}": r.client_id,
                f"i{n}": str(r.identity_id), f"scope{n}": r.scope, f"data{n}": json.dumps(r.data),
                f"at{n}": r.issued_at.isoformat(), f"exp{n}": r.expires_at.isoformat(),
            })
        return [(
            compose(
                "INSERT INTO oidc_tokens (digest, kind, sign_in_id, client_id, identity_id, scope, data, "
                "issued_at, expires_at) VALUES {rows}", rows=", ".join(values),
            ),
            params,
        )]

    def get(self, digest: str) -> TokenRecord | None:
        with self.db.read() as tx:
            row = tx.execute(
                "SELECT t.*, r.revoked_at AS sign_in_revoked_at FROM oidc_tokens t "
                "LEFT JOIN oidc_revoked_sign_ins r ON r.sign_in_id = t.sign_in_id WHERE t.digest = :d",
                {"d": digest},
            ).one()
        return _record(row) if row else None

    def spend(self, digest: str, at: datetime, *issued: TokenRecord) -> bool:
        with self.db.transaction() as tx:
            won = tx.execute(
                "UPDATE oidc_tokens SET spent_at = :at WHERE digest = :d AND spent_at IS NULL AND revoked_at IS NULL",
                {"d": digest, "at": at.isoformat()},
            ).rowcount == 1
            for sql, params in self.inserts(*issued) if won else ():
                tx.execute(sql, params)
        return won

    def revoke(self, digest: str, at: datetime) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "UPDATE oidc_tokens SET revoked_at = :at WHERE digest = :d AND revoked_at IS NULL",
                {"d": digest, "at": at.isoformat()},
            )

    def revoke_sign_in(self, sign_in_id: UUID, at: datetime) -> None:
        params = {"s": str(sign_in_id), "at": at.isoformat()}
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO oidc_revoked_sign_ins (sign_in_id, revoked_at) VALUES (:s, :at) ON CONFLICT DO NOTHING",
                params,
            )
            tx.execute("UPDATE oidc_tokens SET revoked_at = :at WHERE sign_in_id = :s AND revoked_at IS NULL", params)


    def sign_ins_of(self, identity_id: UUID) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.execute(
                "SELECT DISTINCT t.sign_in_id FROM oidc_tokens t "
                "LEFT JOIN oidc_revoked_sign_ins r ON r.sign_in_id = t.sign_in_id "
                "WHERE t.identity_id = :id AND r.sign_in_id IS NULL",
                {"id": str(identity_id)},
            ).all()
        return [UUID(row["sign_in_id"]) for row in rows]

    def remove_expired(self, now: datetime) -> int:
        """Housekeeping: rows past their deadline; a revocation mark once no
        token of its sign-in can still be alive."""
        with self.db.transaction() as tx:
            tx.execute(
                "DELETE FROM oidc_revoked_sign_ins WHERE revoked_at <= :before",
                {"before": (now - REFRESH_LIFETIME - timedelta(days=1)).isoformat()},
            )
            return tx.execute("DELETE FROM oidc_tokens WHERE expires_at <= :now", {"now": now.isoformat()}).rowcount


def _record(row: Any) -> TokenRecord:
    def moment(value: str | None) -> datetime | None:
        return datetime.fromisoformat(value) if value else None

    return TokenRecord(
        row["digest"], row["kind"], UUID(row["sign_in_id"]), row["client_id"], UUID(row["identity_id"]), row["scope"],
        datetime.fromisoformat(row["issued_at"]), datetime.fromisoformat(row["expires_at"]), json.loads(row["data"]),
        moment(row["spent_at"]), bool(row["revoked_at"] or row["sign_in_revoked_at"]),
    )
