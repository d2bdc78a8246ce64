"""Importing provisional credentials: idempotent, reported line by line, batched."""

from __future__ import annotations

import tracemalloc
from collections.abc import Iterator
from typing import Any

from adapters.bootstrap import Container
from domain.agency_account import AgencyAccount
from domain.digest_ids import uuid_of


def row(n: int, **over: str) -> dict[str, str]:
    values = {
        "client_code": "AG1", "company_code": "SOC1", "login_id": f"L{n:07d}", "provisional_password": "123456",
        "email": f"p{n}@exemple.fr", "holder_name": f"Personne {n}", "role": "owner",
    }
    return {**values, **over}


def numbered(*rows: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [(i + 2, r) for i, r in enumerate(rows)]


def test_the_same_contract_imported_again_is_updated_never_duplicated(app: Container) -> None:
    first = app.importer.run(numbered(row(1), row(2)))
    assert (first.added, first.updated, first.unchanged, first.rejected) == (2, 0, 0, [])
    again = app.importer.run(numbered(row(1), row(2, holder_name="Nouveau Nom")))
    assert (again.added, again.updated, again.unchanged) == (0, 1, 1)
    account = app.directory.account("AG1", "SOC1", "L0000002")
    assert isinstance(account, AgencyAccount) and account.holder_name == "Nouveau Nom"
    assert account.version == 2


def test_each_rejection_names_its_line_and_reason(app: Container) -> None:
    report = app.importer.run(
        numbered(
            row(1),
            row(1),
            row(3, role="landlord"),
            row(4, email="pas-un-email"),
            row(5, provisional_password="12345"),
            row(6, provisional_password="abcdef"),
            {"client_code": "AG1", "company_code": "SOC1", "login_id": "L7"},
            row(8, login_id="avec espace"),
            row(9, email=""),
        )
    )
    reasons = {r["line"]: r["reason"] for r in report.rejected}
    assert report.added == 2  # rows 1 and 9 (an empty email is allowed)
    assert "ligne répétée" in reasons[3] and "ligne 2" in reasons[3]
    assert "rôle inconnu" in reasons[4]
    assert "email mal formé" in reasons[5]
    assert "6 chiffres" in reasons[6] and "6 chiffres" in reasons[7]
    assert "colonne manquante" in reasons[8] and "role" in reasons[8]
    assert "login_id invalide" in reasons[9]


def test_a_repeat_is_found_across_batches(app: Container) -> None:
    app.importer.batch_size = 2
    report = app.importer.run(numbered(row(1), row(2), row(3), row(1)))
    assert report.added == 3 and [r["line"] for r in report.rejected] == [5]


def test_an_agency_imports_only_its_own_codes(app: Container) -> None:
    report = app.importer.run(numbered(row(1), row(2, client_code="AUTRE")), allowed=lambda c, s: c == "AG1")
    assert report.added == 1 and "autre agence" in report.rejected[0]["reason"]


def test_provisional_codes_are_kept_only_as_keyed_digests(app: Container) -> None:
    app.importer.run(numbered(row(1, provisional_password="987654")))
    account = app.directory.account("AG1", "SOC1", "L0000001")
    assert account is not None and "987654" not in account.provisional_digest
    assert len(account.provisional_digest) == 64


def test_rows_stream_through_in_batches_without_holding_the_file(app: Container) -> None:
    """Memory after 4,000 rows stays that of a batch, not of the file."""
    app.importer.batch_size = 200
    consumed = []

    def rows(count: int) -> Iterator[tuple[int, dict[str, str]]]:
        for n in range(count):
            consumed.append(n)
            yield n + 2, row(n)

    progress: list[int] = []
    tracemalloc.start()
    report = app.importer.run(rows(4000), progress=progress.append)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.added == 4000 and sum(progress) == 4000 and set(progress) == {200}
    assert peak < 30 * 1024 * 1024


def test_the_later_columns_are_imported_the_property_sealed_and_old_rows_keep_working(app: Container) -> None:
    """Contract "Import columns": agency_name and property, optional; the property is personal data."""
    named = row(1, agency_name="Agence du Parc", property="12 rue des Lilas, lot 4")
    assert app.importer.run(numbered(named)).added == 1
    account = app.directory.account("AG1", "SOC1", "L0000001")
    assert account is not None
    assert (account.agency_name, account.property) == ("Agence du Parc", "12 rue des Lilas, lot 4")
    stored = app.store.recorder.select_events(account.id)
    assert b"12 rue des Lilas" not in stored[0].state and b"Agence du Parc" in stored[0].state
    again = app.importer.run(numbered(row(1)))  # an export without the columns: the names are emptied
    assert again.updated == 1 and app.directory.account("AG1", "SOC1", "L0000001").property == ""  # type: ignore[union-attr]
    refused = app.importer.run(numbered(row(2, agency_name=["pas", "du", "texte"])))  # type: ignore[arg-type]
    assert refused.rejected[0]["reason"].startswith("colonne qui n'est pas du texte")


def test_a_new_contract_whose_key_row_exists_already_is_sealed_with_that_key(app: Container) -> None:
    """A new contract's key is drawn and stored in the commit of its events; if
    its subject had a key row already, that commit fails whole and the batch is
    replayed with the stored key, never with the one drawn (issue 17)."""
    account_id = uuid_of(app.directory.account_digest("AG1", "SOC1", "L0000001"))
    keys = app.store.subject_keys
    left = keys.store.ensure([account_id])[account_id]  # a key row without its contract
    keys.forget([account_id])
    assert app.importer.run(numbered(row(1))).added == 1
    keys.forget([account_id])  # read the key back from its table, not from the cache
    assert keys.for_reading(account_id) == left
    account = app.directory.account("AG1", "SOC1", "L0000001")
    assert account is not None and account.holder_name == "Personne 1"
