"""An import's seen contracts, spilled to a private temporary SQLite file:
a file of a million rows is checked for repeated lines in flat memory."""

from __future__ import annotations

import sqlite3


class SpilledSeenKeys:
    def __init__(self) -> None:
        self.db = sqlite3.connect("")  # "" is a private, on-disk temporary database
        self.db.execute("CREATE TABLE seen (digest TEXT PRIMARY KEY, line INTEGER)")

    def first_line(self, digest: str, line: int) -> int | None:
        if self.db.execute("INSERT OR IGNORE INTO seen VALUES (?, ?)", (digest, line)).rowcount:
            return None
        (first,) = self.db.execute("SELECT line FROM seen WHERE digest = ?", (digest,)).fetchone()
        return int(first)

    def close(self) -> None:
        self.db.close()
