"""Use cases over in-memory fakes of the outside: the events in eventsourcing's
POPO store, jobs in process (``memory://``), mail to a Maildir, the tables in
a SQLite file of the test's own, a clock the test moves. No projection thread
runs unless a test starts one: a use case waiting to read its own writes
applies the read models then and there (``caught_up_on_demand``)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.bootstrap import Container, bootstrap
from application.config import Settings
from projections.queries import ReadModelQueries


class FakeClock:
    def __init__(self) -> None:
        self.current = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def app(workdir: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Container]:
    container = bootstrap(Settings.from_env(os.environ), clock=clock, events_in_memory=True)
    caught_up_on_demand(container, monkeypatch)
    yield container
    container.stop()


def caught_up_on_demand(app: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read your writes without sleeping: waiting for the read models applies
    the store's new events to them in the waiting thread (nothing, for a test
    that set ``wait_timeout`` to 0 to play projections that do not run)."""

    def wait_for(queries: ReadModelQueries, position: int) -> None:
        if queries.wait_timeout:
            tracked = {follower.projection.name: follower for follower in app.followers.values()}
            for name in queries.projections:
                tracked[name].catch_up()

    monkeypatch.setattr(ReadModelQueries, "wait_for", wait_for)
