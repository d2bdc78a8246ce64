"""A thin SQL connection for the tables beside the event store (read models,
sessions, outbox, tracking), with SQLite and PostgreSQL twins.

SQL is written once with ``:name`` parameters; the PostgreSQL twin rewrites
them to psycopg's ``%(name)s``. Where the dialects truly differ (full-text
search, upserts' locking) each twin carries its own statement.
"""

from __future__ import annotations

import re
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

from application.ports import Writes


class Cursor(Protocol):
    def execute(self, sql: str, params: Mapping[str, Any] | Sequence[Any] = ...) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    @property
    def rowcount(self) -> int: ...


class Database(ABC):
    dialect: str
    poll_interval = 0.5
    """Seconds a follower sleeps when nothing woke it: it still catches up, and
    the outbox hands retries due by then to the worker."""

    @abstractmethod
    def transaction(self) -> AbstractContextManager[Tx]:
        """A write transaction; on SQLite it takes the write lock at once."""

    @abstractmethod
    def read(self) -> AbstractContextManager[Tx]:
        """A read-only transaction that blocks no writer."""

    @abstractmethod
    def migrate(self, then: Sequence[Callable[[], object]] = ()) -> list[str]:
        """Apply the migrations this database has not had (``adapters/schema.py``),
        then call ``then`` (the event store's own table creation), holding a
        lock that processes starting together queue on. Returns the ids applied."""

    def listen(self, channel: str, heard: Callable[[], None], stop: threading.Event) -> None:  # noqa: B027 - a hook
        """Call ``heard`` whenever another process announces a commit on
        ``channel``, until ``stop``. SQLite has no such announcement: its
        followers poll, and the writers of their own process wake them."""

    def compact(self) -> None:  # noqa: B027 - a hook, a no-op unless the backend needs it
        """Make deleted rows unrecoverable from the files (SQLite's WAL); a no-op
        where the server owns the files."""

    @abstractmethod
    def one_of(self, column: str, name: str, values: Sequence[str]) -> tuple[str, dict[str, Any]]:
        """``column`` equals one of ``values``, sent as the one parameter
        ``name``: an import's batch of a thousand ids is one parameter, not a
        thousand (``in_list`` suits a handful)."""

    @abstractmethod
    def close(self) -> None: ...


class Tx:
    """A transaction's cursor with one parameter style for both dialects."""

    def __init__(self, cursor: Any, dialect: str) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> Tx:
        if self._dialect == "postgresql":
            sql = pyformat(sql)
        self._cursor.execute(sql, params or {})
        return self

    def executemany(self, sql: str, rows: Sequence[Mapping[str, Any]]) -> Tx:
        """One statement, once per row of parameters."""
        self._cursor.executemany(pyformat(sql) if self._dialect == "postgresql" else sql, rows)
        return self

    def run(self, writes: Writes) -> None:
        """Side-table statements in order; one with a list of parameters runs once per row."""
        for sql, params in writes:
            if isinstance(params, list):
                self.executemany(sql, params)
            else:
                self.execute(sql, params)

    def one(self) -> Any:
        return self._cursor.fetchone()

    def all(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def iterate(self) -> Iterator[Any]:
        yield from self._cursor

    @property
    def rowcount(self) -> int:
        return int(self._cursor.rowcount)


def pyformat(sql: str) -> str:
    """``:name`` parameters as psycopg's ``%(name)s``."""
    return re.sub(r"(?<!:):(\w+)", r"%(\1)s", sql)


def compose(template: str, **fragments: str) -> str:
    """The one place SQL text is put together from pieces: ``template``'s
    ``{name}`` fields filled with fragments the code wrote itself (table and
    column names from its own constants, ``in_list``'s placeholders, agency
    scope conditions). A value never goes in: values are parameters. A
    fragment holding a statement separator or a comment is refused."""
    for name, fragment in fragments.items():
        if ";" in fragment or "--" in fragment or "/*" in fragment:
            raise ValueError(f"{name} is not a fragment of one SQL statement: {fragment!r}")
    return template.format(**fragments)


def in_list(prefix: str, values: Sequence[Any]) -> tuple[str, dict[str, Any]]:
    """``(:p0, :p1, ...)`` and its parameters, for ``WHERE x IN ...``; an empty
    list gives ``(NULL)``, which matches nothing."""
    params = {f"{prefix}{i}": value for i, value in enumerate(values)}
    return "(" + (", ".join(f":{name}" for name in params) or "NULL") + ")", params
