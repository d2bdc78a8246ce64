"""``Database.one_of``: a list of values as one parameter, on both twins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters.database import Database, compose
from adapters.postgres_database import PostgresDatabase
from adapters.sqlite_database import SQLiteDatabase
from tests.e2e.harness import create_database, drop_database
from tests.servers import postgres


@pytest.fixture(params=["sqlite", "postgresql"])
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        database: Database = SQLiteDatabase(str(tmp_path / "lists.db"))
        yield database
        database.close()
        return
    name = create_database()
    database = PostgresDatabase(postgres() + name)
    yield database
    database.close()
    drop_database(name)


@pytest.mark.parametrize("wanted", [[], ["b"], ["a", "c", "nobody", "c"], [f"x{n}" for n in range(5000)] + ["d"]])
def test_rows_whose_column_is_one_of_the_values(db: Database, wanted: list[str]) -> None:
    with db.transaction() as tx:
        tx.execute("CREATE TABLE names (name TEXT PRIMARY KEY)")
        tx.executemany("INSERT INTO names (name) VALUES (:name)", [{"name": n} for n in ["a", "b", "c", "d", "it's"]])
    condition, params = db.one_of("name", "wanted", wanted)
    assert len(params) == 1
    with db.read() as tx:
        rows = tx.execute(compose("SELECT name FROM names WHERE {condition}", condition=condition), params).all()
    assert {row["name"] for row in rows} == {"a", "b", "c", "d", "it's"} & set(wanted)


def test_a_value_is_never_sql(db: Database) -> None:
    with db.transaction() as tx:
        tx.execute("CREATE TABLE names (name TEXT PRIMARY KEY)")
        tx.execute("INSERT INTO names (name) VALUES ('it''s')")
    condition, params = db.one_of("name", "wanted", ["it's", "') OR 1=1 --"])
    with db.read() as tx:
        rows = tx.execute(compose("SELECT name FROM names WHERE {condition}", condition=condition), params).all()
    assert [row["name"] for row in rows] == ["it's"]
