"""SQLite twin of the side tables: same file as the events, WAL, one writer."""

from __future__ import annotations

import fcntl
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

from adapters.database import Database, Tx, compose
from adapters.schema import migrate


class SQLiteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: str) -> None:
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._local = threading.local()

    def _connection(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            connection.row_factory = sqlite3.Row
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA busy_timeout=30000")
            connection.execute("PRAGMA secure_delete=ON")  # erased data must not linger in free pages
            # Side tables need no fsync of their own: they share the event store's
            # WAL, whose next synced commit makes every earlier frame durable (a
            # key before the events sealed with it); a power cut may lose only
            # the last sessions or throttle counts, never corrupt the file.
            connection.execute("PRAGMA synchronous=NORMAL")
            self._local.connection = connection
        return connection

    @contextmanager
    def transaction(self, begin: str = "BEGIN IMMEDIATE") -> Iterator[Tx]:
        connection = self._connection()
        if connection.in_transaction:  # nested (a key read while projecting): join it
            yield Tx(connection.cursor(), self.dialect)
            return
        connection.execute(begin)
        try:
            yield Tx(connection.cursor(), self.dialect)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")

    def read(self) -> AbstractContextManager[Tx]:
        return self.transaction("BEGIN")

    def migrate(self, then: Sequence[Callable[[], object]] = ()) -> list[str]:
        """Processes starting together queue on an exclusive lock of a file
        beside the database (released when a process dies), as yoyo and the
        event store write through connections of their own."""
        with open(f"{self.path}-lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            applied = migrate(f"sqlite:///{self.path}", self.dialect)
            for create in then:
                create()
        return applied

    def compact(self) -> None:
        """Copy the WAL into the database and truncate it: with ``secure_delete``
        the deleted rows then exist in neither file."""
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def one_of(self, column: str, name: str, values: Sequence[str]) -> tuple[str, dict[str, Any]]:
        sql = compose("{column} IN (SELECT value FROM json_each(:{name}))", column=column, name=name)
        return sql, {name: json.dumps(list(values))}

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
