"""A real deployment per test module and topology (``SESAME_TOPOLOGIES``, see
``harness.selected_topologies``; ``make test`` selects both), and a fresh
production one for tests that break things."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import Sesame, deployment, selected_topologies


@pytest.fixture(scope="module", params=selected_topologies())
def sesame(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    with deployment(tmp_path_factory.mktemp("sesame"), request.param) as served:
        yield served


@pytest.fixture
def production(tmp_path: Path) -> Iterator[Sesame]:
    """A production deployment of this test's own: PostgreSQL, Redis, an SMTP
    relay, each role a process."""
    if "production" not in selected_topologies():
        pytest.skip("needs the production topology: SESAME_TOPOLOGIES=production")
    with deployment(tmp_path, "production") as served:
        yield served
