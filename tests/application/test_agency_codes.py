"""Codes typed in any case name the contract the agency imported (issue 16, point 1)."""

from __future__ import annotations

from adapters.bootstrap import Container
from domain.agency_account import AgencyAccount
from domain.digest_ids import uuid_of
from tests.application.test_account_import import numbered, row


def test_lower_case_codes_open_the_activation_of_a_contract_imported_in_capitals(app: Container) -> None:
    app.importer.run(numbered(row(1, client_code="AGLYON", company_code="SOC01", login_id="LOC001234")))
    started = app.activation.start(" aglyon", "soc01 ", "loc 001234", "123456")
    assert started["holder_name"] == "Personne 1"


def test_an_import_keeps_codes_in_capitals_and_lower_case_lines_name_the_same_contract(app: Container) -> None:
    first = app.importer.run(numbered(row(1, client_code="aglyon", company_code="soc01", login_id="loc1")))
    assert first.added == 1
    account = app.directory.account("AGLYON", "SOC01", "LOC1")
    assert account is not None and (account.client_code, account.company_code, account.login_id) == (
        "AGLYON",
        "SOC01",
        "LOC1",
    )
    again = app.importer.run(
        numbered(row(1, client_code="AGLYON", company_code="SOC01", login_id="LOC1", holder_name="Autre"))
    )
    assert (again.added, again.updated) == (0, 1)
    repeated = app.importer.run(numbered(row(1, login_id="l9"), row(2, login_id="L9")))
    assert "ligne répétée" in repeated.rejected[0]["reason"]


def test_a_contract_imported_in_lower_case_before_codes_were_canonical_is_still_found(app: Container) -> None:
    """Its id is the digest of its codes as written then: typed as imported it
    is found, and importing it again updates it rather than duplicating it."""
    legacy = app.directory.keys.digest("account", "ag1", "soc1", "l1")
    provisional = app.directory.provisional_digest(legacy, "654321")
    app.directory.store.commit(AgencyAccount(legacy, "ag1", "soc1", "l1", "Ancien", "tenant", "", provisional))
    assert app.directory.account("ag1", "soc1", "l1").id == uuid_of(legacy)  # type: ignore[union-attr]
    assert app.activation.start("ag1", "soc1", "l1", "654321")["holder_name"] == "Ancien"
    report = app.importer.run(
        numbered(row(1, client_code="ag1", company_code="soc1", login_id="l1", provisional_password="111111"))
    )
    assert (report.added, report.updated) == (0, 1)
    assert app.directory.account("ag1", "soc1", "l1").id == uuid_of(legacy)  # type: ignore[union-attr]


def test_a_reset_by_login_id_takes_the_codes_in_any_case(app: Container) -> None:
    app.importer.run(numbered(row(1)))
    assert app.password_reset._subject(None, "l0000001", "ag1", " soc1") == ["L0000001", "AG1", "SOC1"]
    assert app.directory.account("ag1", "soc1", "l0000001") is not None
