"""A real deployment per test module and topology (``SESAME_TOPOLOGIES``, see
``harness.selected_topologies``; ``make test`` selects both), and a fresh
production one for tests that break things."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.conftest import TEST_SECRET
from tests.e2e.harness import Sesame, deployment, selected_topologies
from tests.e2e.oidc_flows import register


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


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's Chromium: ``make install`` installs it; its absence is a failure, not a skip."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make install` (apt-get install chromium)"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module", params=selected_topologies())
def op(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sesame]:
    """A deployment whose PUBLIC_URL is its own address, so the issuer and the
    discovered endpoints are the ones the relying party reaches."""
    sesame = Sesame(tmp_path_factory.mktemp("oidc"), {"SECRET_KEY": TEST_SECRET, "THROTTLE_DELAY_SCALE": "0"},
                    topology=request.param)
    sesame.env["PUBLIC_URL"] = sesame.url
    try:
        sesame.serve()
        yield sesame
    finally:
        sesame.stop()


@pytest.fixture(scope="module")
def extranet(op: Sesame) -> dict[str, Any]:
    return register(op, "Extranet Dupont", "--post-logout-redirect-uri", "http://127.0.0.1:9/bye")
