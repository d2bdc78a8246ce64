"""An import's seen contracts, spilled to a private temporary SQLite file:
a file of a million rows is checked for repeated lines in flat memory.

A batch costs one SELECT and one INSERT, whatever its size; the key is the
digest's first 128 bits (the contract's id, so as unique as the contract),
16 bytes in a table without rowid: one small B-tree, however long the file."""

from __future__ import annotations

import sqlite3

from adapters.database import compose, in_list

CHUNK = 500  # keys per SELECT, well within SQLite's bound on parameters


class SpilledSeenKeys:
    def __init__(self) -> None:
        self.db = sqlite3.connect("", isolation_level=None)  # "" is a private, on-disk temporary database
        self.db.execute("PRAGMA journal_mode=OFF")  # private and thrown away: nothing to roll back
        self.db.execute("CREATE TABLE seen (id BLOB PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")

    def first_lines(self, keys: list[tuple[str, int]]) -> list[int | None]:
        ids = [bytes.fromhex(digest[:32]) for digest, _ in keys]
        first: dict[bytes, int] = {}
        for start in range(0, len(ids), CHUNK):
            marks, params = in_list("k", ids[start:start + CHUNK])
            first.update(self.db.execute(compose("SELECT id, line FROM seen WHERE id IN {marks}", marks=marks), params))
        earlier: list[int | None] = []
        new: list[tuple[bytes, int]] = []
        for key, (_, line) in zip(ids, keys, strict=True):
            seen = first.get(key)
            earlier.append(seen)
            if seen is None:
                first[key] = line
                new.append((key, line))
        self.db.execute("BEGIN")
        self.db.executemany("INSERT INTO seen VALUES (?, ?)", new)
        self.db.execute("COMMIT")
        return earlier

    def close(self) -> None:
        self.db.close()
