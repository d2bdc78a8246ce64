"""Withdrawing a change of address (issue 16, point 9): given events, when a command, then events."""

from __future__ import annotations

import pytest

from domain.errors import InvalidToken, StepOutOfOrder
from tests.domain.test_identity import ACTIVE_STEPS, NOW, given, then


def test_a_pending_change_of_address_is_withdrawn_and_its_link_dies() -> None:
    identity = given(*ACTIVE_STEPS, "email change link")
    identity.cancel_email_change()
    assert then(identity) == ["EmailChangeCancelled"] and identity.email_change is None
    with pytest.raises(InvalidToken):
        identity.change_email("c1", NOW)


def test_nothing_pending_is_nothing_to_withdraw() -> None:
    with pytest.raises(StepOutOfOrder):
        given(*ACTIVE_STEPS).cancel_email_change()
