"""The history words are keyed by event class: an event renamed, or a new one
of an identity, cannot drop out of a person's history unnoticed."""

from __future__ import annotations

from application.history import WORDS, describe
from domain.identity import Identity
from tests.domain.test_stored_events import LATER, declared_events, stored_events


def test_every_event_of_an_identity_has_its_words() -> None:
    assert declared_events(Identity) - set(WORDS) == set()


def test_the_words_are_for_events_of_an_identity_only() -> None:
    assert set(WORDS) <= declared_events(Identity)


def test_each_event_reads_in_its_own_words_with_its_own_fields() -> None:
    """Every stored identity event (the 27 kinds) is told in French, its fields filled in."""
    described = [describe(e) for e in stored_events() if isinstance(e, Identity.Event)]
    assert {d["type"] for d in described} == {cls.__name__ for cls in declared_events(Identity) - LATER}
    assert all(d["description"] != d["type"] and "{" not in d["description"] for d in described)
