"""AgencyAccount: re-importing the same contract updates it or changes nothing."""

from __future__ import annotations

from datetime import UTC

from domain.agency_account import AgencyAccount

DETAILS = {
    "holder_name": "Jean Dupont",
    "role": "tenant",
    "suggested_email": "jean@exemple.fr",
    "provisional_digest": "d1",
}


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


def test_an_ended_contract_is_erased_and_an_open_one_is_not() -> None:
    from datetime import datetime

    import pytest

    from domain.errors import StepOutOfOrder

    a = account()
    with pytest.raises(StepOutOfOrder):
        a.erase()
    a.end(datetime(2026, 11, 1, tzinfo=UTC))
    a.end(datetime(2026, 11, 2, tzinfo=UTC))  # ending twice keeps the first date
    a.erase()
    assert [type(e).__name__ for e in a.collect_events()] == ["Ended", "Erased"]
    assert a.holder_name == "" and a.ended_at == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(StepOutOfOrder):
        a.reimport(**DETAILS)


def test_an_ended_contract_imported_again_is_reopened() -> None:
    from datetime import datetime

    a = account()
    a.end(datetime(2026, 11, 1, tzinfo=UTC))
    a.collect_events()
    assert a.reimport(**DETAILS) is True
    assert [type(e).__name__ for e in a.collect_events()] == ["Reopened"] and a.ended_at is None


def test_imported_builds_what_the_constructor_builds() -> None:
    digest = "cd" * 32
    built = AgencyAccount(digest, "C1", "S1", "L001", **DETAILS)
    fast = AgencyAccount.imported(built.id, digest, "C1", "S1", "L001", **DETAILS)
    (slow_event,), (fast_event,) = built.collect_events(), fast.collect_events()
    assert type(fast_event) is type(slow_event)
    assert {**fast_event.__dict__, "timestamp": None} == {**slow_event.__dict__, "timestamp": None}
    assert {**vars(fast), "_created_on": None, "_modified_on": None} == {
        **vars(built), "_created_on": None, "_modified_on": None
    }
