"""An import's seen contracts, spilled to a private temporary SQLite file:
a file of a million rows is checked for repeated lines in flat memory.

A batch costs one INSERT (an executemany), and a SELECT only when a key was
there already; the key is the digest's first 128 bits (the contract's id, so
as unique as the contract), 16 bytes in a table without rowid: one small
B-tree, however long the file."""

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
        first: dict[bytes, int] = {}  # this batch's keys, at their first line in it
        ids = []
        for digest, line in keys:
            ids.append(key := bytes.fromhex(digest[:32]))
            first.setdefault(key, line)
        before = self.db.total_changes
        self.db.execute("BEGIN")
        self.db.executemany("INSERT OR IGNORE INTO seen VALUES (?, ?)", first.items())
        self.db.execute("COMMIT")
        if self.db.total_changes - before < len(first):  # some were read in an earlier batch: at which line
            for start in range(0, len(ids), CHUNK):
                marks, params = in_list("k", ids[start:start + CHUNK])
                query = compose("SELECT id, line FROM seen WHERE id IN {marks}", marks=marks)
                first.update(self.db.execute(query, params))
        return [None if first[key] == line else first[key] for key, (_, line) in zip(ids, keys, strict=True)]

    def close(self) -> None:
        self.db.close()
