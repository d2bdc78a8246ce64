"""The event store's recorders, able to write side-table rows in the same
transaction as the events they follow.

``EventStore.commit(*aggregates, writes=...)`` hands eventsourcing the
statements of the rows (e.g. an authorization code beside the ``SignedIn``
event it follows); its recorder runs them on the cursor of the very
transaction that inserts the events, so both are stored or neither is, on
SQLite and PostgreSQL alike. Chosen by ``APPLICATION_RECORDER_TOPIC``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder

from adapters.database import pyformat

Writes = Sequence[tuple[str, dict[str, Any]]]


class SQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(self, c: Any, stored_events: Any, writes: Writes = (), **kwargs: Any) -> Any:
        for sql, params in writes:
            c.execute(sql, params)
        return super()._insert_events(c, stored_events, **kwargs)


class PostgresRecorder(PostgresApplicationRecorder):
    def _insert_events(self, curs: Any, stored_events: Any, writes: Writes = (), **kwargs: Any) -> None:
        for sql, params in writes:
            curs.execute(pyformat(sql), params)
        super()._insert_events(curs, stored_events, **kwargs)


def create_tables(recorder: object) -> None:
    """The event store's own tables, which ``bootstrap`` creates under the schema lock."""
    if not isinstance(recorder, SQLiteRecorder | PostgresRecorder):
        raise TypeError(f"the event store's recorder is {type(recorder).__name__}, not one of adapters.event_recorders")
    recorder.create_table()
