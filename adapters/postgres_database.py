"""PostgreSQL twin of the side tables: a psycopg 3 pool on the events' database.

Every connection is checked as it leaves the pool, so one the server cut (a
restart, a failover, ``pg_terminate_backend``) costs a reconnect, not a failed
request. A transaction opened inside another on the same thread joins it, as
on SQLite: a subject key read while a projection applies an event sees the
batch's own writes and does not take a second connection from the pool.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from adapters.database import Database, Tx, compose
from adapters.schema import migrate

log = logging.getLogger(__name__)
SCHEMA_LOCK = 7318  # the advisory lock every starting process queues on before migrating


class PostgresDatabase(Database):
    dialect = "postgresql"
    poll_interval = 2.0  # commits are announced (``listen``): polling only backs it up

    def __init__(self, url: str, max_size: int = 10) -> None:
        self.url = url
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url, min_size=1, max_size=max_size, kwargs={"row_factory": dict_row}, open=True,
        )
        self._local = threading.local()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection that answers. When one is dead, the others
        likely are too (they were cut together): the pool then checks them all
        at once. Its own ``check`` would find them one by one, sleeping one
        second, then two, four... between them."""
        connection = self.pool.getconn()
        try:
            ConnectionPool.check_connection(connection)
        except psycopg.OperationalError:
            self.pool.putconn(connection)
            self.pool.check()
            connection = self.pool.getconn()
        try:
            yield connection
        finally:
            self.pool.putconn(connection)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        joined = getattr(self._local, "tx", None)
        if joined is not None:
            yield joined
            return
        with self._connection() as connection, connection.transaction():
            self._local.tx = Tx(connection.cursor(), self.dialect)
            try:
                yield self._local.tx
            finally:
                self._local.tx = None

    @contextmanager
    def read(self) -> Iterator[Tx]:
        """A read in autocommit: under READ COMMITTED each statement of a
        transaction sees what was committed before it anyway, so a BEGIN and a
        COMMIT would only add two round trips. Inside a transaction of this
        thread, the read joins it."""
        joined = getattr(self._local, "tx", None)
        if joined is not None:
            yield joined
            return
        with self._connection() as connection:
            connection.autocommit = True
            try:
                yield Tx(connection.cursor(), self.dialect)
            finally:
                if not connection.closed:
                    connection.autocommit = False

    def migrate(self, then: Sequence[Callable[[], object]] = ()) -> list[str]:
        """Apply the migrations, then the other stores' table creators, holding
        a session advisory lock: processes starting at once queue here instead
        of racing on the same migration or on ``CREATE ... IF NOT EXISTS``
        (which PostgreSQL does not make safe under concurrency). A dedicated
        connection holds the lock, so it is released even when this process
        dies; yoyo runs each migration in a transaction of its own connection."""
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
            applied = migrate("postgresql+psycopg" + self.url[self.url.index("://"):], self.dialect)
            for create in then:
                create()
        return applied

    def listen(self, channel: str, heard: Callable[[], None], stop: threading.Event) -> None:
        """Call ``heard`` for each NOTIFY on ``channel`` until ``stop``, and once
        after every (re)connection, since notifications sent while the
        connection was down are lost. A dedicated connection, outside the pool:
        it waits for as long as the process lives."""
        while not stop.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True) as connection:
                    connection.execute(f'LISTEN "{channel}"')  # the store's own channel name
                    heard()
                    while not stop.is_set():
                        for _ in connection.notifies(timeout=0.5, stop_after=1):
                            heard()
            except psycopg.Error as error:  # a cut, a restart: followers poll meanwhile
                log.warning("listening on %s interrupted (%s); reconnecting", channel, type(error).__name__)
                stop.wait(1.0)

    def one_of(self, column: str, name: str, values: Sequence[str]) -> tuple[str, dict[str, Any]]:
        return compose("{column} = ANY(CAST(:{name} AS text[]))", column=column, name=name), {name: list(values)}

    def close(self) -> None:
        self.pool.close()
