"""AgencyAccount: re-importing the same contract updates it or changes nothing."""

from __future__ import annotations

from domain.agency_account import AgencyAccount

DETAILS = {"holder_name": "Jean Dupont", "role": "tenant", "suggested_email": "jean@exemple.fr", "provisional_digest": "d1"}


def account() -> AgencyAccount:
    a = AgencyAccount("cd" * 32, "C1", "S1", "L001", **DETAILS)
    a.collect_events()
    return a


def test_an_identical_reimport_records_nothing() -> None:
    a = account()
    assert a.reimport(**DETAILS) is False
    assert a.collect_events() == []


def test_a_changed_reimport_records_an_update() -> None:
    a = account()
    assert a.reimport(**{**DETAILS, "holder_name": "Jean Dupond"}) is True
    (event,) = a.collect_events()
    assert type(event).__name__ == "Updated" and a.holder_name == "Jean Dupond"
