"""Identity: given events, when a command, then events (or a refusal)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.errors import AlreadyActivated, DomainError, InvalidToken, StepOutOfOrder
from domain.identity import ACTIVE, RESET, Identity, Link

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ACCOUNT = uuid4()
NEW_EMAIL = "nouvelle@exemple.fr"
ACTIVE_STEPS = ("email", "password", "terms", "verification", "verified")
Command = Callable[[Identity], object]  # a command, as the parametrised tests name them


def given(*steps: str) -> Identity:
    """An identity that went through the named steps, its events already saved."""
    identity = Identity(ACCOUNT, "n0")
    for step in steps:
        {
            "email": lambda: identity.propose_email("jean@exemple.fr"),
            "password": lambda: identity.set_password("$argon2id$hash"),
            "terms": lambda: identity.accept_terms("2026-11-01"),
            "verification": lambda: identity.request_email_verification("v1", NOW + timedelta(hours=24)),
            "verified": lambda: identity.verify_email("v1", NOW),
            "reset link": lambda: identity.request_password_reset("r1", NOW + timedelta(hours=1)),
            "email change link": lambda: identity.request_email_change(NEW_EMAIL, "c1", NOW + timedelta(hours=24)),
        }[step]()
    identity.collect_events()
    return identity


def then(identity: Identity) -> list[str]:
    return [type(e).__name__ for e in identity.collect_events()]


def test_activation_starts_with_the_contract_and_a_token_nonce() -> None:
    identity = Identity(ACCOUNT, "n0")
    assert then(identity) == ["ActivationStarted"]
    assert identity.activating_account == ACCOUNT and identity.activation_nonce == "n0"


def test_the_steps_follow_one_another_to_an_active_account() -> None:
    identity = given("email", "password", "terms", "verification")
    identity.verify_email("v1", NOW)
    assert then(identity) == ["EmailVerified", "AccountLinked"]
    assert identity.status == ACTIVE
    assert identity.email == "jean@exemple.fr"
    assert identity.accounts == [ACCOUNT] and identity.default_account == ACCOUNT
    assert identity.activation_nonce is None


@pytest.mark.parametrize(
    ("done", "command"),
    [
        ((), lambda i: i.set_password("h")),
        (("email",), lambda i: i.request_email_verification("v", NOW)),
        (("email", "password"), lambda i: i.request_email_verification("v", NOW)),
    ],
)
def test_no_step_is_skipped(done: tuple[str, ...], command: Command) -> None:
    identity = given(*done)
    with pytest.raises(StepOutOfOrder):
        command(identity)
    assert then(identity) == []


def test_a_resent_link_supersedes_the_earlier_one() -> None:
    identity = given("email", "password", "terms", "verification")
    identity.request_email_verification("v2", NOW + timedelta(hours=24))
    assert then(identity) == ["EmailVerificationRequested"]
    with pytest.raises(InvalidToken):
        identity.verify_email("v1", NOW)
    identity.verify_email("v2", NOW)
    assert identity.status == ACTIVE


def test_an_expired_link_is_refused() -> None:
    identity = given("email", "password", "terms", "verification")
    with pytest.raises(InvalidToken):
        identity.verify_email("v1", NOW + timedelta(hours=24))
    assert then(identity) == []


def test_a_used_link_is_refused() -> None:
    identity = given("email", "password", "terms", "verification", "verified")
    with pytest.raises(InvalidToken):
        identity.verify_email("v1", NOW)


def test_changing_the_email_kills_the_link_sent_to_the_old_one() -> None:
    identity = given("email", "password", "terms", "verification")
    identity.propose_email("autre@exemple.fr")
    assert then(identity) == ["EmailProposed"]
    with pytest.raises(InvalidToken):
        identity.verify_email("v1", NOW)


def test_proposing_the_same_email_again_records_nothing() -> None:
    identity = given("email")
    identity.propose_email("jean@exemple.fr")
    assert then(identity) == []


def test_resuming_replaces_the_activation_nonce_and_keeps_the_steps() -> None:
    identity = given("email", "password")
    identity.resume_activation("n1")
    assert then(identity) == ["ActivationResumed"]
    assert identity.activation_nonce == "n1" and identity.password_hash == "$argon2id$hash"


def test_an_active_identity_cannot_activate_again() -> None:
    identity = given("email", "password", "terms", "verification", "verified")
    with pytest.raises(AlreadyActivated):
        identity.resume_activation("n2")
    with pytest.raises(AlreadyActivated):
        identity.propose_email("x@exemple.fr")


def test_a_reset_activation_is_over_and_its_links_die() -> None:
    identity = given("email", "password", "terms", "verification")
    identity.reset_activation()
    assert then(identity) == ["ActivationReset"]
    assert identity.status == RESET
    with pytest.raises(InvalidToken):
        identity.verify_email("v1", NOW)
    with pytest.raises(StepOutOfOrder):
        identity.propose_email("jean@exemple.fr")


def test_terms_accepted_records_the_version_once() -> None:
    identity = given("email", "password", "terms")
    identity.accept_terms("2026-11-01")
    assert then(identity) == []
    identity.accept_terms("2027-01-01")
    assert then(identity) == ["TermsAccepted"]


def test_a_password_is_rehashed_only_on_an_active_account() -> None:
    identity = given("email", "password")
    with pytest.raises(StepOutOfOrder):
        identity.rehash_password("$argon2id$stronger")
    identity = given("email", "password", "terms", "verification", "verified")
    identity.rehash_password("$argon2id$stronger")
    assert then(identity) == ["PasswordRehashed"]


def test_replaying_the_events_rebuilds_the_same_state() -> None:
    identity = Identity(ACCOUNT, "n0")
    identity.propose_email("jean@exemple.fr")
    identity.set_password("h")
    identity.accept_terms("2026-11-01")
    identity.request_email_verification("v1", NOW + timedelta(hours=1))
    identity.verify_email("v1", NOW)
    events = identity.collect_events()
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None and replayed.__dict__ == identity.__dict__


@pytest.mark.parametrize(
    "steps", [(), ("email", "password"), ("email", "password", "terms", "verification", "verified")]
)
def test_erasure_at_any_stage_leaves_nothing_personal_in_the_state(steps: tuple[str, ...]) -> None:
    identity = given(*steps)
    identity.erase("person")
    assert then(identity) == ["Erased"]
    assert identity.status == "erased"
    assert identity.email is None and identity.proposed_email is None and identity.password_hash is None
    with pytest.raises(StepOutOfOrder):
        identity.erase("person")
    with pytest.raises(StepOutOfOrder):
        identity.accept_terms("2026-11-01")


# -- every pending link dies when the person takes the account back ---------------

def reset_with_a_link_of_their_own(i: Identity) -> None:
    i.request_password_reset("r2", NOW + timedelta(hours=1))
    i.reset_password("r2", "$argon2id$new", NOW)


def change_email_with_a_link_of_their_own(i: Identity) -> None:
    i.request_email_change("autre@exemple.fr", "c2", NOW + timedelta(hours=1))
    i.change_email("c2", NOW)


USE_LINK: dict[str, Command] = {
    "reset link": lambda i: i.reset_password("r1", "$argon2id$attacker", NOW),
    "email change link": lambda i: i.change_email("c1", NOW),
}
# What the person did after the link was sent (with a link of their own when it takes one).
ENDING: dict[str, Command] = {
    "PasswordChanged": lambda i: i.change_password("$argon2id$new"),
    "PasswordReset": reset_with_a_link_of_their_own,
    "EmailChanged": change_email_with_a_link_of_their_own,
}


@pytest.mark.parametrize("ending", ENDING)
@pytest.mark.parametrize("link", USE_LINK)
def test_a_pending_link_dies_when_the_password_or_the_email_changes(link: str, ending: str) -> None:
    """Issue 19 finding 1: an attacker who asked for a link (an email change to their
    own address, a reset) loses it when the person changes or resets the password or
    changes the email; e.g. given EmailChangeRequested then PasswordReset, when
    change_email with that link's nonce, then InvalidToken."""
    identity = given(*ACTIVE_STEPS, link)
    ENDING[ending](identity)
    assert ending in then(identity)
    with pytest.raises(InvalidToken):
        USE_LINK[link](identity)
    assert then(identity) == []


def test_a_link_asked_after_the_change_works() -> None:
    identity = given(*ACTIVE_STEPS, "email change link")
    identity.change_password("$argon2id$new")
    identity.request_email_change(NEW_EMAIL, "c3", NOW + timedelta(hours=24))
    assert identity.change_email("c3", NOW) == "jean@exemple.fr"
    assert then(identity) == ["PasswordChanged", "EmailChangeRequested", "EmailChanged"]


@pytest.mark.parametrize(
    "steps", [("email", "password", "terms", "verification"), (*ACTIVE_STEPS, "reset link", "email change link")]
)
def test_erasure_kills_every_pending_link(steps: tuple[str, ...]) -> None:
    identity = given(*steps)
    identity.erase("person")
    assert then(identity) == ["Erased"]
    for use in (lambda i: i.verify_email("v1", NOW), *USE_LINK.values()):
        with pytest.raises(DomainError):
            use(identity)
    assert not [value for value in vars(identity).values() if isinstance(value, Link)]
