"""A real ``sesame serve`` per test module, on the embedded default."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import TEST_SECRET
from tests.e2e.harness import Sesame


@pytest.fixture(scope="module")
def sesame(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    root: Path = tmp_path_factory.mktemp("sesame")
    deployment = Sesame(root, {"SECRET_KEY": TEST_SECRET, "PUBLIC_URL": "http://portal.test"})
    deployment.serve()
    yield deployment
    deployment.stop()
