"""Subject keys in a table of their own: deleting a row shreds a person's data.

An erased subject keeps a tombstone row without key, so nothing can quietly
create a new key and write fresh personal data for it. SQLite connections run
with ``secure_delete``, so a deleted key is overwritten, not left in a free page.
"""

from __future__ import annotations

import base64
import os
from uuid import UUID

from adapters.database import Database


class KeyTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure(self, subjects: list[UUID]) -> dict[UUID, bytes | None]:
        with self.db.transaction() as tx:
            for subject in subjects:
                tx.execute(
                    "INSERT INTO subject_keys (subject_id, data_key) VALUES (:s, :k) ON CONFLICT (subject_id) DO NOTHING",
                    {"s": str(subject), "k": base64.b64encode(os.urandom(32)).decode()},
                )
            return {subject: self._key(tx, subject) for subject in subjects}

    @staticmethod
    def _key(tx, subject: UUID) -> bytes | None:  # noqa: ANN001 - a Tx
        row = tx.execute("SELECT data_key FROM subject_keys WHERE subject_id = :s", {"s": str(subject)}).one()
        return base64.b64decode(row["data_key"]) if row and row["data_key"] else None

    def get(self, subject: UUID) -> bytes | None:
        with self.db.read() as tx:
            return self._key(tx, subject)

    def shred(self, subject: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO subject_keys (subject_id, data_key) VALUES (:s, NULL) "
                "ON CONFLICT (subject_id) DO UPDATE SET data_key = NULL",
                {"s": str(subject)},
            )
