"""Staff roles and agency scope; console invitations, two-step sign-in and
disabling (issue 15); the access log of a person's data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.access_log import AccessLog, log_id
from domain.errors import InvalidCode, InvalidToken, StepOutOfOrder
from domain.staff import InvalidStaff, StaffDisabled, StaffMember


def test_agency_staff_see_only_their_codes() -> None:
    agent = StaffMember("Agence Dupont", "agency", "AG1", "SOC1", "n")
    assert agent.sees_agency("AG1", "SOC1") and not agent.sees_agency("AG2", "SOC1")
    assert StaffMember("Support", "support", "", "", "n").sees_agency("AG2", "SOC1")


@pytest.mark.parametrize(
    ("role", "client", "company"), [("agency", "", ""), ("support", "AG1", "SOC1"), ("admin", "", "")]
)
def test_roles_and_agencies_must_agree(role: str, client: str, company: str) -> None:
    with pytest.raises(InvalidStaff):
        StaffMember("x", role, client, company, "n")


def test_a_renewed_token_replaces_the_nonce() -> None:
    member = StaffMember("Support", "support", "", "", "n1")
    member.renew_token("n2")
    assert member.token_nonce == "n2"
    assert [type(e).__name__ for e in member.collect_events()] == ["Added", "TokenRenewed"]


def test_the_access_log_of_an_identity_has_a_derived_id_and_records_reads() -> None:
    identity = uuid4()
    log = AccessLog(identity)
    assert log.id == log_id(identity)
    staff = uuid4()
    log.record_read(staff, "Claire Support", "support", "support profile")
    assert log.reads == [
        {"staff_id": str(staff), "staff_name": "Claire Support", "role": "support", "what": "support profile"}
    ]


# -- the console: invitation, password, two-step sign-in, disable (issue 15) ---------

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
LATER = NOW + timedelta(hours=72)


def invited() -> StaffMember:
    member = StaffMember("Claire Support", "support", "", "", None)
    member.invite("claire@sesame.fr", "nonce-1", LATER)
    return member


def enrolled() -> StaffMember:
    member = invited()
    member.accept_invitation("nonce-1", NOW, "argon2-hash")
    member.enrol_two_step("SECRET")
    member.confirm_two_step(100, ["r1", "r2"])
    return member


def event_names(member: StaffMember) -> list[str]:
    return [type(e).__name__ for e in member.collect_events()]


def test_an_invitation_sets_the_password_once_and_only_before_it_expires() -> None:
    member = invited()
    assert member.email == "claire@sesame.fr" and member.invitation_open("nonce-1", NOW)
    assert not member.invitation_open("nonce-2", NOW) and not member.invitation_open("nonce-1", LATER)
    with pytest.raises(InvalidToken):
        member.accept_invitation("nonce-1", LATER, "hash")  # expired
    member.accept_invitation("nonce-1", NOW, "argon2-hash")
    assert member.password_hash == "argon2-hash" and not member.invitation_open("nonce-1", NOW)
    with pytest.raises(InvalidToken):
        member.accept_invitation("nonce-1", NOW, "another-hash")  # used twice
    with pytest.raises(StepOutOfOrder):
        member.invite("claire@sesame.fr", "nonce-3", LATER)  # nothing to invite to any more
    assert event_names(member) == ["Added", "Invited", "PasswordSet"]


def test_a_newer_invitation_supersedes_the_earlier_one() -> None:
    member = invited()
    member.invite("claire@sesame.fr", "nonce-2", LATER)
    with pytest.raises(InvalidToken):
        member.accept_invitation("nonce-1", NOW, "hash")
    member.accept_invitation("nonce-2", NOW, "hash")


def test_the_password_comes_before_two_step_sign_in() -> None:
    member = invited()
    with pytest.raises(StepOutOfOrder):
        member.enrol_two_step("SECRET")
    with pytest.raises(StepOutOfOrder):
        member.confirm_two_step(1, [])
    member.accept_invitation("nonce-1", NOW, "hash")
    member.enrol_two_step("SECRET")
    assert not member.may_enter_console  # a secret waiting for its first code is not two-step sign-in


def test_no_console_without_two_step_sign_in_and_it_stays_on() -> None:
    member = invited()
    assert not member.may_enter_console
    member.accept_invitation("nonce-1", NOW, "hash")
    assert not member.may_enter_console  # a password alone opens nothing but the two-step set-up
    member.enrol_two_step("SECRET")
    member.confirm_two_step(100, ["r1"])
    assert member.may_enter_console and member.two_step_on
    with pytest.raises(StepOutOfOrder):
        member.enrol_two_step("OTHER")  # staff cannot start over (nor turn it off: there is no such command)
    assert not hasattr(member, "turn_off_two_step")


def test_each_code_once_and_never_an_earlier_one() -> None:
    member = enrolled()
    with pytest.raises(InvalidCode):
        member.use_two_step_code(100)  # the confirming code's step
    member.use_two_step_code(101)
    with pytest.raises(InvalidCode):
        member.use_two_step_code(101)
    member.use_two_step_code("r1")
    with pytest.raises(InvalidCode):
        member.use_two_step_code("r1")
    with pytest.raises(InvalidCode):
        member.use_two_step_code("unknown")
    assert event_names(member)[-2:] == ["TwoStepCodeAccepted", "RecoveryCodeUsed"]


def test_a_disabled_member_can_do_nothing_any_more() -> None:
    member = enrolled()
    member.renew_token("token-nonce")
    member.disable()
    member.disable()  # twice: one event
    assert member.disabled and not member.may_enter_console and member.token_nonce is None
    with pytest.raises(StaffDisabled):
        member.use_two_step_code(200)
    names = event_names(member)
    assert names[-1:] == ["Disabled"] and names.count("Disabled") == 1


def test_a_disabled_member_cannot_take_up_an_invitation() -> None:
    member = invited()
    member.disable()
    assert not member.invitation_open("nonce-1", NOW)
    with pytest.raises(StaffDisabled):
        member.accept_invitation("nonce-1", NOW, "hash")
    with pytest.raises(StaffDisabled):
        member.invite("claire@sesame.fr", "nonce-2", LATER)


def test_the_events_replay_to_the_same_member() -> None:
    member = enrolled()
    member.use_two_step_code("r2")
    member.disable()
    events = member.collect_events()
    replayed = None
    for e in events:
        replayed = e.mutate(replayed)
    assert isinstance(replayed, StaffMember)
    assert replayed.email == member.email and replayed.disabled and replayed.two_step_on
    assert replayed.two_step is not None and replayed.two_step.recovery == {"r1"} and replayed.two_step.last_step == 100


def test_a_password_is_rehashed_only_once_chosen_and_while_enabled() -> None:
    member = invited()
    with pytest.raises(StepOutOfOrder):
        member.rehash_password("$argon2id$stronger")
    member.accept_invitation("nonce-1", NOW, "argon2-hash")
    member.rehash_password("$argon2id$stronger")
    assert member.password_hash == "$argon2id$stronger"
    member.disable()
    with pytest.raises(StaffDisabled):
        member.rehash_password("$argon2id$strongest")
