"""Upgrading a database the last release before migrations made (5eb3a55):
the migrations apply over it, and its person still signs in, keeps their
session and is found by support search.

The fixtures are that release's own dumps (``sqlite3 .dump``; ``pg_dump
--no-owner --no-privileges --inserts``, without psql's ``\\restrict`` lines):
with its code, under ``SECRET_KEY=TEST_SECRET``, a contract was imported,
activated as helene@exemple.fr with the password below, its address verified,
and the person signed in once.
"""

from __future__ import annotations

import sqlite3
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from yoyo import get_backend, read_migrations

from adapters.bootstrap import Container, bootstrap, open_database
from adapters.schema import PROJECTIONS, folders
from application.config import Settings
from projections.queries import ReadModelQueries
from projections.support_search import query_words
from tests.application.conftest import FakeClock
from tests.conftest import TEST_SECRET
from tests.e2e.harness import SESAME, create_database, drop_database
from tests.servers import postgres

FIXTURES = Path(__file__).parent.parent / "fixtures"
EMAIL, PASSWORD = "helene@exemple.fr", "Tr3s-Secret!"
# The person and the session token of each dump.
MADE = {
    "sqlite": ("b5b6b3bd-5f18-49c2-879a-b81ff6b63111", "41smO03hg-pjA2TTH-GrSe2WiHD7YzHtMYwIc-F5o_g"),
    "postgresql": ("74b038b9-ecd3-4b1c-a41a-56343b590fee", "D2EBozhThe67EGNbeynNl4CUtdGUdZvonLQhipLkWps"),
}


def released_sqlite(workdir: Path) -> str:
    path = workdir / "var" / "sesame.db"
    path.parent.mkdir()
    with sqlite3.connect(path) as connection:
        connection.executescript((FIXTURES / "release-5eb3a55.sqlite.sql").read_text())
    connection.close()
    return f"sqlite:///{path}"


@pytest.fixture
def released_postgres() -> Iterator[str]:
    name = create_database()
    with psycopg.connect(postgres() + name, autocommit=True) as connection:
        connection.execute((FIXTURES / "release-5eb3a55.postgresql.sql").read_text().encode())  # our own dump
    yield postgres() + name
    drop_database(name)


def opened(database_url: str) -> Container:
    clock = FakeClock()
    clock.current = datetime(2026, 11, 30, 18, 0, tzinfo=UTC)  # within the dumped session's lifetime
    return bootstrap(Settings.from_env({"DATABASE_URL": database_url, "SECRET_KEY": TEST_SECRET}), clock=clock)


def assert_upgraded(app: Container, dialect: str) -> None:
    person, token = MADE[dialect]
    assert app.db.migrate() == []  # all applied at start: a second start has nothing to do
    assert {type(f.projection) for f in app.followers.values()} == set(PROJECTIONS)  # each one's tables migrated
    for follower in app.followers.values():
        follower.catch_up()  # the support search starts over from the events (its tables were replaced)
    session = app.sessions.current(token)
    assert session is not None and str(session.identity_id) == person
    assert str(app.sessions.log_in(EMAIL, PASSWORD).identity_id) == person
    for query in ("hélène", EMAIL, "R001"):
        assert [row["identity_id"] for row in app.read_models.search(query_words(query), None, 10)] == [person]
    profile = app.read_models.profile(UUID(person))
    assert profile is not None and [a["holder_name"] for a in profile["accounts"]] == ["Hélène Ancienne"]


def test_a_sqlite_database_of_the_last_release_is_upgraded_in_place(workdir: Path) -> None:
    app = opened(released_sqlite(workdir))
    try:
        assert_upgraded(app, "sqlite")
    finally:
        app.stop()


def test_a_postgresql_database_of_the_last_release_is_upgraded_in_place(workdir: Path, released_postgres: str) -> None:
    app = opened(released_postgres)
    try:
        assert_upgraded(app, "postgresql")
    finally:
        app.stop()


def test_each_dialect_reads_the_shared_folders_and_its_own() -> None:
    sqlite, postgresql = folders("sqlite"), folders("postgresql")
    assert [f for f in sqlite if not f.endswith("/sqlite")] == [f for f in postgresql if not f.endswith("/postgresql")]
    assert any(f.endswith("support_search/sqlite") for f in sqlite)
    assert not any(f.endswith("/sqlite") for f in postgresql)


def test_a_column_change_keeps_the_rows_it_moves(tmp_path: Path) -> None:
    """``profile-0002``: the names of ``read_account_names`` become columns of ``read_accounts``."""
    url = f"sqlite:///{tmp_path}/names.db"
    baselines = read_migrations(*folders("sqlite"))
    baselines[:] = [m for m in baselines if m.id.endswith("-0001-baseline")]
    backend = get_backend(url)
    backend.apply_migrations(backend.to_apply(baselines))
    backend.connection.close()
    with sqlite3.connect(tmp_path / "names.db") as connection:
        for account in ("named", "unnamed"):
            connection.execute(
                "INSERT INTO read_accounts VALUES (?, 'AG1', 'SOC1', ?, 'Titulaire', 'tenant', '', NULL)",
                (account, account),
            )
        connection.execute("INSERT INTO read_account_names VALUES ('named', 'Agence du Port', '3 quai Est')")
    connection.close()
    db = open_database(url)
    assert db.migrate() == ["profile-0002-account-names-as-columns"]
    with db.read() as tx:
        rows = tx.execute("SELECT account_id, agency_name, property FROM read_accounts ORDER BY account_id").all()
        tables = tx.execute("SELECT name FROM sqlite_master WHERE name = 'read_account_names'").all()
    db.close()
    assert [tuple(r) for r in rows] == [("named", "Agence du Port", "3 quai Est"), ("unnamed", "", "")]
    assert tables == []


def test_the_beginnings_of_words_index_covers_the_documents_written_before_it() -> None:
    """``support-search-0002`` (PostgreSQL) builds its index over the documents
    already there: no replay of the events, and the query takes the new index."""
    name = create_database()
    url = postgres() + name
    try:
        baselines = read_migrations(*folders("postgresql"))
        baselines[:] = [m for m in baselines if m.id.endswith("-0001-baseline")]
        backend = get_backend(url.replace("postgresql://", "postgresql+psycopg://"))
        backend.apply_migrations(backend.to_apply(baselines))
        backend.connection.close()
        person = "5d0c5a36-0000-4000-8000-000000000001"
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(
                "INSERT INTO read_identities (identity_id, status, email, started_at, updated_at) "
                "VALUES (%s, 'active', 'helene@exemple.fr', '2026-01-01', '2026-01-01')", (person,),
            )
            connection.execute(
                "INSERT INTO search_docs (identity_id, scope, support, words) "
                "VALUES (%s, 'all', 1, 'helene exemple fr vandenberghe')", (person,),
            )
        db = open_database(url)
        assert "support-search-0002-beginnings-of-words" in db.migrate()
        found = ReadModelQueries(db).search(query_words("vandenber hel"), None, 5)
        db.close()
        assert [row["identity_id"] for row in found] == [person]
        with psycopg.connect(url) as connection:
            connection.execute("SET enable_seqscan = off")  # one row: the planner would rather read the table
            plan = connection.execute(
                "EXPLAIN SELECT seq FROM search_docs WHERE search_lexemes(words, scope) @@ '^vandenber'"
            ).fetchall()
        assert "search_docs_lexemes" in " ".join(line for (line,) in plan)
    finally:
        drop_database(name)


def test_processes_starting_together_on_a_new_sqlite_database_migrate_it_once(tmp_path: Path) -> None:
    """They queue on the lock file; each migration is recorded once."""
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/var/sesame.db", "SECRET_KEY": TEST_SECRET, "PATH": "/usr/bin:/bin"}
    starts = [
        subprocess.Popen([SESAME, "search", "personne"], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outcomes = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in starts]
    assert [code for code, _ in outcomes] == [0] * 3, [err for code, err in outcomes if code]
    with sqlite3.connect(tmp_path / "var" / "sesame.db") as connection:
        recorded = [row[0] for row in connection.execute("SELECT migration_id FROM _yoyo_migration")]
    connection.close()
    assert sorted(recorded) == sorted({m.id for m in read_migrations(*folders("sqlite"))})
