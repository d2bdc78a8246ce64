"""Throwaway databases: a new SQLite file or a new PostgreSQL database per run.

Each measurement starts from an empty store, so the 100k import is not also
a re-import of the 10k one, and nothing is left behind: the PostgreSQL
database is dropped on the way out even when the measurement failed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

POSTGRES_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def fresh(backend: str, work: Path, name: str) -> Iterator[str]:
    """The DATABASE_URL of an empty database of ``backend`` ("sqlite" or "postgresql")."""
    if backend == "sqlite":
        path = work / f"{name}.db"
        for leftover in work.glob(f"{name}.db*"):
            leftover.unlink()
        try:
            yield f"sqlite:///{path}"
        finally:
            for written in work.glob(f"{name}.db*"):
                written.unlink()
        return
    import psycopg

    database = f"sesame_bench_{name}_{os.getpid()}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{database}"')
        admin.execute(f'CREATE DATABASE "{database}"')
    try:
        yield POSTGRES_ADMIN.rsplit("/", 1)[0] + "/" + database
    finally:
        with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def postgres_available() -> bool:
    """Whether the PostgreSQL the suite expects answers (else its rows are skipped, and said so)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN, connect_timeout=3):
            return True
    except Exception:
        return False
