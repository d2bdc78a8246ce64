"""Subject keys in a table of their own: deleting a row shreds a person's data.

Keys are stored wrapped (``application.key_wrapping``): this table and the
events together still open nothing without the key-encryption key. An erased
subject keeps a tombstone row without key, so nothing can quietly create a new
key and write fresh personal data for it. SQLite connections run with
``secure_delete``, so a deleted key is overwritten, not left in a free page.
"""

from __future__ import annotations

import base64
import os
from uuid import UUID

from adapters.database import Database, compose, in_list
from application.config import ConfigurationError
from application.key_wrapping import WRAPPED, KeyWrapping, UnreadableKey
from application.ports import Write

KEY_BYTES = 32  # an AES-256 data key
# The rows an older version wrote in clear; the side tables' baseline migration indexes exactly
# these (a partial index), so finding none at each start costs nothing.
UNNESTED = (
    "INSERT INTO subject_keys (subject_id, data_key) SELECT * FROM unnest(CAST(:s AS text[]), CAST(:k AS text[]))"
)
IN_CLEAR = f"substr(data_key, 1, {len(WRAPPED)}) <> '{WRAPPED}'"


class KeyTable:
    def __init__(self, db: Database, wrapping: KeyWrapping) -> None:
        self.db = db
        self.wrapping = wrapping

    def ensure(self, subjects: list[UUID]) -> dict[UUID, bytes | None]:
        """Create the keys of those without one, in one INSERT for the whole list:
        the keys it inserts come back by ``RETURNING`` and are used as drawn;
        only subjects that already had a row are read back, in one SELECT."""
        fresh, rows = self._drawn(subjects)
        if not fresh:
            return {}
        params = {f"{name}{i}": value for i, row in enumerate(rows) for name, value in row.items()}
        values = ", ".join(f"(:s{i}, :k{i})" for i in range(len(rows)))
        with self.db.transaction() as tx:
            tx.execute(
                compose(
                    "INSERT INTO subject_keys (subject_id, data_key) VALUES {values} "
                    "ON CONFLICT (subject_id) DO NOTHING RETURNING subject_id",
                    values=values,
                ),
                params,
            )
            inserted = {row["subject_id"] for row in tx.all()}
            found: dict[str, str | None] = {}
            if older := [str(s) for s in fresh if str(s) not in inserted]:
                ids, id_params = in_list("s", older)
                stored = tx.execute(
                    compose("SELECT subject_id, data_key FROM subject_keys WHERE subject_id IN {ids}", ids=ids),
                    id_params,
                ).all()
                found = {row["subject_id"]: row["data_key"] for row in stored}
        return {s: fresh[s] if str(s) in inserted else self._open(str(s), found.get(str(s))) for s in subjects}

    def create(self, subjects: list[UUID]) -> tuple[dict[UUID, bytes], Write]:
        """New keys for subjects that have none, and the statement storing them,
        for the commit that writes their first events (``EventStore.commit``'s
        ``writes``, one executemany): keys and events are stored together or
        not at all. A subject that already has a row fails that commit as a
        conflict."""
        fresh, rows = self._drawn(subjects)
        if self.db.dialect == "postgresql":  # one statement: the server runs an executemany's rows one by one
            columns = {"s": [row["s"] for row in rows], "k": [row["k"] for row in rows]}
            return fresh, (UNNESTED, columns)
        return fresh, ("INSERT INTO subject_keys (subject_id, data_key) VALUES (:s, :k)", rows)

    def _drawn(self, subjects: list[UUID]) -> tuple[dict[UUID, bytes], list[dict[str, str]]]:
        """A fresh key per subject (one random draw for all), and its row, wrapped;
        the rows in id order, so their inserts walk the primary key's B-tree
        once, left to right, rather than jumping between random pages."""
        fresh = dict.fromkeys(subjects, b"")  # one key per subject, even if listed twice
        drawn = os.urandom(KEY_BYTES * len(fresh))
        rows = []
        for i, (name, subject) in enumerate(sorted((str(s), s) for s in fresh)):  # names unique: no UUID compared
            fresh[subject] = key = drawn[i * KEY_BYTES:(i + 1) * KEY_BYTES]
            rows.append({"s": name, "k": self.wrapping.wrap(name, key)})
        return fresh, rows

    def _open(self, subject: str, stored: str | None) -> bytes | None:
        return self.wrapping.unwrap(subject, stored) if stored else None

    def get(self, subject: UUID) -> bytes | None:
        with self.db.read() as tx:
            row = tx.execute("SELECT data_key FROM subject_keys WHERE subject_id = :s", {"s": str(subject)}).one()
        return self._open(str(subject), row["data_key"] if row else None)

    def shred(self, subject: UUID) -> None:
        with self.db.transaction() as tx:
            tx.execute(
                "INSERT INTO subject_keys (subject_id, data_key) VALUES (:s, NULL) "
                "ON CONFLICT (subject_id) DO UPDATE SET data_key = NULL",
                {"s": str(subject)},
            )

    def wrap_clear_keys(self, batch: int = 1000) -> int:
        """At start, before any key is read: refuse a key-encryption key that
        does not open the keys already wrapped (a wrong SECRET_KEY would
        otherwise wrap the old rows with it), then wrap the rows an older
        version left in clear; returns how many. A row is replaced only while
        it is still in clear (a clear key never changes), so processes starting
        together on SQLite (PostgreSQL queues them on the schema lock) wrap each
        row once."""
        with self.db.read() as tx:
            sample = tx.execute(
                compose(
                    "SELECT subject_id, data_key FROM subject_keys "
                    "WHERE data_key IS NOT NULL AND NOT ({in_clear}) LIMIT 1",
                    in_clear=IN_CLEAR,
                )
            ).one()
        if sample:
            try:
                self.wrapping.unwrap(sample["subject_id"], sample["data_key"])
            except UnreadableKey:
                raise ConfigurationError(
                    "SECRET_KEY (or KEY_ENCRYPTION_KEY) does not open this database's subject keys"
                ) from None
        wrapped, after = 0, ""
        while True:
            with self.db.transaction() as tx:
                rows = tx.execute(  # on from the last one, past the index entries PostgreSQL keeps until vacuum
                    compose(
                        "SELECT subject_id, data_key FROM subject_keys WHERE {in_clear} AND subject_id > :after "
                        "ORDER BY subject_id LIMIT :batch",
                        in_clear=IN_CLEAR,
                    ),
                    {"after": after, "batch": int(batch)},
                ).all()
                if rows:
                    ids, params = in_list("s", [row["subject_id"] for row in rows])
                    for i, row in enumerate(rows):  # base64 in clear: how older versions kept it
                        params[f"w{i}"] = self.wrapping.wrap(row["subject_id"], base64.b64decode(row["data_key"]))
                    cases = " ".join(f"WHEN :s{i} THEN :w{i}" for i in range(len(rows)))
                    wrapped += tx.execute(
                        compose(
                            "UPDATE subject_keys SET data_key = CASE subject_id {cases} END "
                            "WHERE subject_id IN {ids} AND {in_clear}",
                            cases=cases, ids=ids, in_clear=IN_CLEAR,
                        ),
                        params,
                    ).rowcount
            if len(rows) < batch:
                return wrapped
            after = rows[-1]["subject_id"]
