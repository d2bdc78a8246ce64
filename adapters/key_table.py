"""Subject keys in a table of their own: deleting a row shreds a person's data.

An erased subject keeps a tombstone row without key, so nothing can quietly
create a new key and write fresh personal data for it. SQLite connections run
with ``secure_delete``, so a deleted key is overwritten, not left in a free page.
"""

from __future__ import annotations

import base64
import os
from uuid import UUID

from adapters.database import Database, in_list


class KeyTable:
    def __init__(self, db: Database) -> None:
        self.db = db

    def ensure(self, subjects: list[UUID]) -> dict[UUID, bytes | None]:
        """One INSERT and one SELECT for the whole list (an import's batch)."""
        if not subjects:
            return {}
        params: dict[str, str] = {}
        for i, subject in enumerate(subjects):
            params[f"s{i}"], params[f"k{i}"] = str(subject), base64.b64encode(os.urandom(32)).decode()
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO subject_keys (subject_id, data_key) VALUES "
                + ", ".join(f"(:s{i}, :k{i})" for i in range(len(subjects)))
                + " ON CONFLICT (subject_id) DO NOTHING",
                params,
            )
            ids, id_params = in_list("s", [str(s) for s in subjects])
            rows = tx.execute(f"SELECT subject_id, data_key FROM subject_keys WHERE subject_id IN {ids}", id_params).all()
        found = {row["subject_id"]: row["data_key"] for row in rows}
        return {s: base64.b64decode(found[str(s)]) if found.get(str(s)) else None for s in subjects}

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
