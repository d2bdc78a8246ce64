"""Servers for the security tests: a real ``sesame serve`` per module.

Each test gets its own client address through X-Forwarded-For (uvicorn
trusts it from loopback only), so one test's throttled guesses never leak
into the next one's.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.harness import Sesame

_addresses = itertools.count(1)


def deployment(tmp_path_factory: pytest.TempPathFactory, **env: str) -> Iterator[Sesame]:
    root: Path = tmp_path_factory.mktemp("sesame")
    sesame = Sesame(root, {"SECRET_KEY": TEST_SECRET, "PUBLIC_URL": "http://portal.test", **env})
    sesame.serve()
    yield sesame
    sesame.stop()


@pytest.fixture(scope="module")
def sesame(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    """The embedded default, with the throttle's real waits."""
    yield from deployment(tmp_path_factory)


@pytest.fixture
def origin() -> dict[str, str]:
    """Headers that make this test's requests come from an address of its own."""
    n = next(_addresses)
    return {"X-Forwarded-For": f"198.51.{n // 250}.{n % 250 + 1}"}
