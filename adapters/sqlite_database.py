"""SQLite twin of the side tables: same file as the events, WAL, one writer."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from adapters.database import Database, Tx


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

    def create_schema(self, statements: Sequence[str], then: Sequence[Callable[[], object]] = ()) -> None:
        """The write lock serializes schema changes between processes; ``then``
        runs after the commit, as the event store writes through a connection of
        its own that would otherwise wait on ours."""
        with self.transaction() as tx:
            for statement in statements:
                tx.execute(statement)
        for create in then:
            create()

    def compact(self) -> None:
        """Copy the WAL into the database and truncate it: with ``secure_delete``
        the deleted rows then exist in neither file."""
        self._connection().execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        connection = getattr(self._local, "connection", None)
        if connection is not None:
            connection.close()
            self._local.connection = None
