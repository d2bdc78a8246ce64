"""Two-step sign-in on the Identity: given events, when a command, then events.

The aggregate is handed time steps and recovery digests (the application
checks codes against the secret); these tests fix what may be used when.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from domain.errors import InvalidCode, InvalidToken, StepOutOfOrder
from domain.identity import Identity
from tests.domain.test_identity import ACTIVE_STEPS, NOW, given, then

SECRET = "JBSWY3DPEHPK3PXP"
RECOVERY = [f"digest-{n}" for n in range(10)]
STEP = 1000  # the time step of the confirming code


def on() -> Identity:
    """An active identity with two-step sign-in on."""
    identity = given(*ACTIVE_STEPS)
    identity.enrol_two_step(SECRET)
    identity.confirm_two_step(STEP, RECOVERY)
    identity.collect_events()
    return identity


def challenged() -> Identity:
    identity = on()
    identity.challenge_two_step("ch1", NOW + timedelta(minutes=5))
    identity.collect_events()
    return identity


def test_enrolment_is_pending_until_a_first_code() -> None:
    identity = given(*ACTIVE_STEPS)
    identity.enrol_two_step(SECRET)
    assert then(identity) == ["TwoStepEnrolled"]
    assert not identity.two_step_on
    with pytest.raises(InvalidCode):
        identity.challenge_two_step("ch", NOW)
    identity.confirm_two_step(STEP, RECOVERY)
    assert then(identity) == ["TwoStepConfirmed"]
    assert identity.two_step_on and identity.two_step is not None and identity.two_step.secret == SECRET


def test_a_new_enrolment_replaces_an_unconfirmed_one_but_not_one_in_force() -> None:
    identity = given(*ACTIVE_STEPS)
    identity.enrol_two_step("FIRST")
    identity.enrol_two_step(SECRET)
    assert identity.two_step is not None and identity.two_step.secret == SECRET
    with pytest.raises(StepOutOfOrder):
        on().enrol_two_step("OTHER")


def test_confirmation_needs_a_waiting_enrolment() -> None:
    with pytest.raises(InvalidCode):
        given(*ACTIVE_STEPS).confirm_two_step(STEP, RECOVERY)
    with pytest.raises(InvalidCode):
        on().confirm_two_step(STEP + 1, RECOVERY)


def test_enrolment_needs_an_active_account() -> None:
    with pytest.raises(StepOutOfOrder):
        given("email", "password").enrol_two_step(SECRET)


def test_a_sign_in_passes_with_its_challenge_and_a_later_code() -> None:
    identity = challenged()
    identity.pass_two_step("ch1", NOW, STEP + 1)
    assert then(identity) == ["TwoStepCodeAccepted"]
    assert identity.two_step_challenge is None


@pytest.mark.parametrize("step", [STEP, STEP - 1])
def test_a_code_of_the_same_or_an_earlier_step_is_refused(step: int) -> None:
    """A code is accepted once: the confirming code's step and earlier ones never again."""
    identity = challenged()
    with pytest.raises(InvalidCode):
        identity.pass_two_step("ch1", NOW, step)
    assert then(identity) == []


def test_a_replayed_sign_in_code_is_refused() -> None:
    identity = challenged()
    identity.pass_two_step("ch1", NOW, STEP + 1)
    identity.challenge_two_step("ch2", NOW + timedelta(minutes=5))
    identity.collect_events()
    with pytest.raises(InvalidCode):
        identity.pass_two_step("ch2", NOW, STEP + 1)


@pytest.mark.parametrize(("nonce", "at"), [("autre", NOW), ("ch1", NOW + timedelta(minutes=5))])
def test_a_wrong_or_expired_challenge_is_refused(nonce: str, at: datetime) -> None:
    with pytest.raises(InvalidToken):
        challenged().pass_two_step(nonce, at, STEP + 1)


def test_a_challenge_is_used_once() -> None:
    identity = challenged()
    identity.pass_two_step("ch1", NOW, STEP + 1)
    with pytest.raises(InvalidToken):
        identity.pass_two_step("ch1", NOW, STEP + 2)


def test_a_recovery_code_is_spent_once_ever() -> None:
    identity = challenged()
    identity.pass_two_step("ch1", NOW, RECOVERY[3])
    assert then(identity) == ["RecoveryCodeUsed"]
    identity.challenge_two_step("ch2", NOW + timedelta(minutes=5))
    with pytest.raises(InvalidCode):
        identity.pass_two_step("ch2", NOW, RECOVERY[3])
    identity.pass_two_step("ch2", NOW, RECOVERY[4])
    with pytest.raises(InvalidCode):
        identity.use_two_step_code("not-a-recovery-digest")


def test_a_password_change_ends_a_pending_challenge() -> None:
    identity = challenged()
    identity.change_password("$argon2id$new")
    with pytest.raises(InvalidToken):
        identity.pass_two_step("ch1", NOW, STEP + 1)


def test_turning_off_takes_a_code_and_forgets_the_secret() -> None:
    identity = on()
    with pytest.raises(InvalidCode):
        identity.turn_off_two_step(STEP)
    identity.turn_off_two_step(STEP + 1)
    assert then(identity) == ["TwoStepCodeAccepted", "TwoStepDisabled"]
    assert identity.two_step is None and not identity.two_step_on
    with pytest.raises(InvalidCode):
        identity.turn_off_two_step(RECOVERY[0])


def test_erasure_forgets_the_secret_and_the_recovery_codes() -> None:
    identity = challenged()
    identity.erase("person")
    assert then(identity) == ["Erased"]
    assert identity.two_step is None and identity.two_step_challenge is None
    with pytest.raises(StepOutOfOrder):
        identity.use_two_step_code(STEP + 1)
