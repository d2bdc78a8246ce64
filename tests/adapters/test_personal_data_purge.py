"""The purge's own rules: each projection is asked to forget (the purge
writes none of their tables), and a remembered answer goes only when it
holds one of the person's addresses, wildcards and all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import pytest

from adapters.bootstrap import open_database
from adapters.database import Database, Tx
from adapters.personal_data_purge import PersonalDataPurgeTable
from projections.follower import Projection


class Forgetful(Projection):
    name, tables, migrations = "forgetful", (), "forgetful"

    def __init__(self) -> None:
        self.forgotten: list[str] = []

    def forget(self, tx: Tx, identity_id: str) -> None:
        self.forgotten.append(identity_id)

    def forget_contract(self, tx: Tx, account_id: str) -> None:
        self.forgotten.append(account_id)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path}/purge.db")
    database.migrate()
    yield database
    database.close()


def remember(db: Database, key: str, answer: object) -> None:
    """An answer stored as ``web/idempotency.py`` stores it."""
    body = json.dumps(answer, ensure_ascii=False).encode().decode("latin-1")
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO idempotency (key_digest, request_digest, status, body, created_at) "
            "VALUES (:k, 'r', 200, :b, '2026-11-30T18:00:00+00:00')",
            {"k": key, "b": json.dumps({"headers": [], "body": body})},
        )


def remembered(db: Database) -> set[str]:
    with db.read() as tx:
        return {row["key_digest"] for row in tx.execute("SELECT key_digest FROM idempotency").all()}


def test_the_projections_are_asked_to_forget_the_people_and_the_contract(db: Database) -> None:
    projections = [Forgetful(), Forgetful()]
    purge = PersonalDataPurgeTable(db, projections)
    person, other, contract = uuid4(), uuid4(), uuid4()
    purge.forget([person, other], [])
    purge.forget_contract(contract)
    assert all(p.forgotten == [str(person), str(other), str(contract)] for p in projections)


def test_a_remembered_answer_goes_only_when_it_holds_the_address_itself(db: Database) -> None:
    remember(db, "underscore", {"email": "jean_dupont@exemple.fr"})
    remember(db, "lookalike", {"email": "jean.dupont@exemple.fr"})
    remember(db, "accented", {"email": "hélène@exemple.fr"})
    remember(db, "percent", {"email": "ab@exemple.fr"})
    PersonalDataPurgeTable(db, []).forget([], ["jean_dupont@exemple.fr", "hélène@exemple.fr", "a%@exemple.fr"])
    assert remembered(db) == {"lookalike", "percent"}
