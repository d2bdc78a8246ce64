"""The process environment, read here only: the use cases are handed what it says."""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from adapters import json_logs
from adapters.bootstrap import Container, bootstrap
from application import terms
from application.config import ConfigurationError, Settings

log = logging.getLogger("sesame")


def settings() -> Settings:
    """The settings of CONTRACT.md's variables; ``TERMS_DIR`` moves the terms folder."""
    if folder := os.environ.get("TERMS_DIR"):
        terms.read_from(Path(folder))
    return Settings.from_env(os.environ)


def usable_settings() -> Settings:
    """The settings, or the process exits saying which variable is wrong."""
    try:
        return settings()
    except ConfigurationError as error:
        sys.exit(f"sesame: {error}")


def container() -> Container:
    """The wired use cases, or the process exits saying which variable is wrong."""
    try:
        return bootstrap(usable_settings())
    except ConfigurationError as error:
        sys.exit(f"sesame: {error}")


def started(c: Container, roles: tuple[str, ...]) -> None:
    """One line saying what this process runs and against what (no passwords)."""
    s = c.settings
    log.info("started", extra={"fields": {
        "roles": roles, "database": json_logs.redact(s.database_url),
        "broker": json_logs.redact(s.broker_url), "smtp": json_logs.redact(s.smtp_url),
    }})
