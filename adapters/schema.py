"""The tables beside the event store, created and changed by versioned
migrations (yoyo-migrations, plain SQL, no ORM).

Each owner keeps its own in a folder of SQL files: the side tables here in
``adapters/migrations``, each read model in its projection's folder under
``projections/migrations`` (``Projection.migrations``), with a ``sqlite`` or
``postgresql`` folder inside for statements of one dialect only. A file is
applied once per database, in the order of its name (owners in the order of
``_owners``), and recorded in ``_yoyo_migration``; the first of each owner is
the baseline the releases before migrations created, written ``IF NOT
EXISTS`` so that it accepts a database one of them made.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from yoyo import get_backend, read_migrations

import projections
from projections.outbox import OutboxProjection
from projections.profile import ProfileProjection
from projections.sign_ins import SignInsProjection
from projections.support_search import SupportSearchProjection

log = logging.getLogger(__name__)
logging.getLogger("yoyo").setLevel(logging.WARNING)  # it logs each statement; ``migrate`` logs each migration
SIDE_TABLES = Path(__file__).parent / "migrations"
READ_MODELS = Path(projections.__file__).parent / "migrations"
PROJECTIONS = (ProfileProjection, OutboxProjection, SignInsProjection, SupportSearchProjection)


def _owners() -> Iterator[Path]:
    yield SIDE_TABLES
    for projection in PROJECTIONS:
        yield READ_MODELS / projection.migrations


def folders(dialect: str) -> list[str]:
    """The folders of migrations that apply to ``dialect``, in order."""
    found = []
    for owner in _owners():
        found += [str(folder) for folder in (owner, owner / dialect) if folder.is_dir()]
    return found


@functools.cache
def _migrations(dialect: str) -> Any:
    """The migrations of ``dialect``, read and parsed once per process (the
    files are the release's: they do not change while it runs)."""
    return read_migrations(*folders(dialect))


def migrate(url: str, dialect: str) -> list[str]:
    """Apply the migrations ``url``'s database has not had yet; the caller
    holds the lock that keeps processes starting together from racing here.
    Returns their ids."""
    backend = get_backend(url)
    try:
        pending = backend.to_apply(_migrations(dialect))
        backend.apply_migrations(pending)
        applied = [migration.id for migration in pending]
        if applied:
            log.info("migrations applied: %s", ", ".join(applied))
        return applied
    finally:
        backend.connection.close()
