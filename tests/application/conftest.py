"""Use cases over a real event store (SQLite in a temporary directory)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.bootstrap import Container, bootstrap
from application.config import Settings


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
def app(workdir: Path, clock: FakeClock) -> Iterator[Container]:
    container = bootstrap(Settings.from_env(), clock=clock)
    yield container
    container.stop()
