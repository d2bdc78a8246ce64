"""The event store's recorders, able to write side-table rows in the same
transaction as the events they follow.

``EventStore.commit(*aggregates, writes=...)`` hands eventsourcing the
statements of the rows (e.g. an authorization code beside the ``SignedIn``
event it follows); its recorder runs them on the cursor of the very
transaction that inserts the events, so both are stored or neither is, on
SQLite and PostgreSQL alike. Chosen by ``APPLICATION_RECORDER_TOPIC``.
The fast test tier keeps events in memory (``POPORecorder``) and the side
rows in its database.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, IntegrityError
from eventsourcing.popo import POPOAggregateRecorder, POPOApplicationRecorder, POPOFactory
from eventsourcing.postgres import PostgresAggregateRecorder, PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder

from adapters.database import Database, Tx
from application.ports import Writes


class SQLiteRecorder(SQLiteApplicationRecorder):
    def _insert_events(self, c: Any, stored_events: Any, writes: Writes = (), **kwargs: Any) -> Any:
        Tx(c, "sqlite").run(writes)
        return super()._insert_events(c, stored_events, **kwargs)


class PostgresRecorder(PostgresApplicationRecorder):
    def _insert_events(self, curs: Any, stored_events: Any, writes: Writes = (), **kwargs: Any) -> None:
        Tx(curs, "postgresql").run(writes)
        super()._insert_events(curs, stored_events, **kwargs)


class POPORecorder(POPOApplicationRecorder):
    """Events in memory (eventsourcing's plain-old-Python-objects store), side
    rows in ``side_tables`` (a SQLite file): written under the recorder's lock
    once the events' versions proved new, and before the events are appended,
    so a refused row leaves no event either."""

    side_tables: Database

    def _update_table(self, stored_events: Any, writes: Writes = (), **kwargs: Any) -> Any:
        if writes:
            try:
                with self.side_tables.transaction() as tx:
                    tx.run(writes)
            except sqlite3.IntegrityError as error:  # as the SQLite recorder reports it
                raise IntegrityError(error) from error
        return super()._update_table(stored_events, **kwargs)


class MemoryFactory(POPOFactory):
    """``PERSISTENCE_MODULE`` of the in-memory store: eventsourcing's POPO
    factory, with the recorder above."""

    def application_recorder(self) -> ApplicationRecorder:
        return POPORecorder()


def create_tables(recorder: object) -> None:
    """The event store's own tables, events' or snapshots', which ``bootstrap``
    creates under the schema lock (the in-memory store has none)."""
    if isinstance(recorder, POPOAggregateRecorder):
        return
    if not isinstance(recorder, SQLiteAggregateRecorder | PostgresAggregateRecorder):
        raise TypeError(f"the event store's recorder is {type(recorder).__name__}, not one of adapters.event_recorders")
    recorder.create_table()
