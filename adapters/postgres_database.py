"""PostgreSQL twin of the side tables: a psycopg 3 pool on the events' database."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from adapters.database import Database, Tx


class PostgresDatabase(Database):
    dialect = "postgresql"

    def __init__(self, url: str, max_size: int = 10) -> None:
        self.pool = ConnectionPool(url, min_size=1, max_size=max_size, kwargs={"row_factory": dict_row}, open=True)

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.pool.connection() as connection, connection.transaction():
            yield Tx(connection.cursor(), self.dialect)

    read = transaction

    def create_schema(self, statements: Sequence[str]) -> None:
        with self.pool.connection() as connection, connection.transaction():
            connection.execute("SELECT pg_advisory_xact_lock(7318)")  # one migrator at a time
            for statement in statements:
                connection.execute(statement)

    def close(self) -> None:
        self.pool.close()
