"""The OIDC signing keys' table: sealed private keys, public JWKs, generations.

``generation`` is unique: two processes adding the same generation at once
(two ``serve`` on an empty database) insert one row, and the loser reads it.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime

from adapters.database import Database
from application.signing_keys import StoredKey


class SigningKeyTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[StoredKey]:
        with self.db.read() as tx:
            rows = tx.execute("SELECT * FROM oidc_signing_keys ORDER BY generation DESC").all()
        return [
            StoredKey(
                row["kid"], int(row["generation"]), base64.b64decode(row["sealed"]), json.loads(row["public_jwk"]),
                datetime.fromisoformat(row["created_at"]),
            )
            for row in rows
        ]

    def add(self, key: StoredKey) -> bool:
        with self.db.transaction() as tx:
            return tx.execute(
                "INSERT INTO oidc_signing_keys (kid, generation, sealed, public_jwk, created_at) "
                "VALUES (:kid, :g, :sealed, :jwk, :at) ON CONFLICT DO NOTHING",
                {
                    "kid": key.kid, "g": key.generation, "sealed": base64.b64encode(key.sealed).decode(),
                    "jwk": json.dumps(key.public_jwk), "at": key.created_at.isoformat(),
                },
            ).rowcount == 1

    def newest_kid(self) -> str | None:
        with self.db.read() as tx:
            row = tx.execute("SELECT kid FROM oidc_signing_keys ORDER BY generation DESC LIMIT 1").one()
        return str(row["kid"]) if row else None
