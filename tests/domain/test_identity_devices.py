"""Identity and the devices it signs in from (issue 14): given events, when a
sign-in or sessions ended, then events."""

from __future__ import annotations

import pytest

from domain.errors import StepOutOfOrder
from tests.domain.test_identity import ACTIVE_STEPS, given, then


def test_the_first_sign_in_only_remembers_its_device() -> None:
    identity = given(*ACTIVE_STEPS)
    assert identity.sign_in_from("d1", "Chrome sur Android", "192.0.2.1") is False
    assert then(identity) == ["FirstDeviceSignedIn"]


def test_a_new_device_is_recorded_once() -> None:
    identity = given(*ACTIVE_STEPS)
    identity.sign_in_from("d1", "Chrome sur Android", "192.0.2.1")
    identity.collect_events()
    assert identity.sign_in_from("d2", "Safari sur iPhone", "192.0.2.2") is True
    assert then(identity) == ["NewDeviceSignedIn"]
    assert identity.sign_in_from("d2", "Safari sur iPhone", "192.0.2.3") is False
    assert identity.sign_in_from("d1", "Chrome sur Android", "192.0.2.1") is False
    assert then(identity) == []


def test_only_an_active_account_signs_in_or_ends_sessions() -> None:
    identity = given("email", "password")
    with pytest.raises(StepOutOfOrder):
        identity.sign_in_from("d1", "Chrome sur Android", "192.0.2.1")
    with pytest.raises(StepOutOfOrder):
        identity.end_sessions("Chrome sur Android")


def test_sessions_ended_elsewhere_are_history() -> None:
    identity = given(*ACTIVE_STEPS)
    identity.end_sessions("Safari sur iPhone, Firefox sur Windows")
    assert then(identity) == ["SessionsEnded"]
