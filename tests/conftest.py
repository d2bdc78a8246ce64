"""Shared fixtures: a throwaway working directory with its own secret key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Fixtures shared across test modules of one tier, defined in modules of their own.
pytest_plugins = ["tests.application.mail_fixtures", "tests.e2e.logout_receiver"]

TEST_SECRET = "test-secret-key-" + "x" * 32


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SECRET_KEY", TEST_SECRET)
    for name in ("DATABASE_URL", "BROKER_URL", "SMTP_URL", "PUBLIC_URL"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


def pytest_configure(config: pytest.Config) -> None:
    os.environ.setdefault("SESAME_TEST_ARTIFACTS", str(Path(__file__).parent / "artifacts"))
