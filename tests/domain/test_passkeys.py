"""Passkeys on the Identity: given events, when a command, then events.

The aggregate is handed what a verified ceremony said (credential id, public
key, signature counter); these tests fix what may be kept and used.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.errors import StepOutOfOrder
from domain.identity import Identity
from domain.passkeys import MAX_PASSKEYS, PasskeyRefused, SignCountWentBack, TooManyPasskeys, passkey_name
from tests.domain.test_identity import ACTIVE_STEPS, NOW, given, then

LATER = NOW + timedelta(days=3)


def with_passkey(sign_count: int = 0) -> Identity:
    identity = given(*ACTIVE_STEPS)
    identity.register_passkey("pk1", "cred-1", "cose-key", sign_count, "Téléphone de Camille", NOW)
    identity.collect_events()
    return identity


def test_a_passkey_is_registered_with_its_name_and_date() -> None:
    identity = given(*ACTIVE_STEPS)
    identity.register_passkey("pk1", "cred-1", "cose-key", 0, "  Téléphone   de Camille ", NOW)
    assert then(identity) == ["PasskeyRegistered"]
    passkey = identity.passkeys["pk1"]
    assert (passkey.name, passkey.registered_at, passkey.last_used_at) == ("Téléphone de Camille", NOW, None)
    assert identity.passkey("cred-1") is passkey


def test_the_same_credential_is_registered_once() -> None:
    identity = with_passkey()
    with pytest.raises(PasskeyRefused):
        identity.register_passkey("pk2", "cred-1", "cose-key", 0, "Encore", NOW)


def test_a_person_keeps_a_bounded_number_of_passkeys() -> None:
    identity = given(*ACTIVE_STEPS)
    for n in range(MAX_PASSKEYS):
        identity.register_passkey(f"pk{n}", f"cred-{n}", "k", 0, f"Clé {n}", NOW)
    with pytest.raises(TooManyPasskeys):
        identity.register_passkey("one-more", "cred-x", "k", 0, "Une de trop", NOW)


@pytest.mark.parametrize("name", ["", "   ", "x" * 61, "Clé\x00", "Clé\nbis"])
def test_a_name_is_one_to_sixty_printable_characters(name: str) -> None:
    with pytest.raises(PasskeyRefused):
        passkey_name(name)


def test_a_use_records_the_counter_and_the_date() -> None:
    identity = with_passkey(sign_count=5)
    identity.use_passkey("cred-1", 6, LATER)
    assert then(identity) == ["PasskeyUsed"]
    assert identity.passkeys["pk1"].sign_count == 6 and identity.passkeys["pk1"].last_used_at == LATER


@pytest.mark.parametrize("count", [5, 4, 0])
def test_a_counter_that_does_not_grow_is_refused_as_a_clone(count: int) -> None:
    identity = with_passkey(sign_count=5)
    with pytest.raises(SignCountWentBack):
        identity.use_passkey("cred-1", count, LATER)
    assert then(identity) == [] and identity.passkeys["pk1"].sign_count == 5


def test_an_authenticator_without_a_counter_stays_at_zero() -> None:
    identity = with_passkey(sign_count=0)
    identity.use_passkey("cred-1", 0, LATER)
    identity.use_passkey("cred-1", 0, LATER)
    assert then(identity) == ["PasskeyUsed", "PasskeyUsed"]
    identity.use_passkey("cred-1", 1, LATER)  # it may start counting
    with pytest.raises(SignCountWentBack):
        identity.use_passkey("cred-1", 0, LATER)  # but never go back to none


def test_an_unknown_or_removed_passkey_is_refused() -> None:
    identity = with_passkey()
    with pytest.raises(PasskeyRefused):
        identity.use_passkey("cred-2", 1, LATER)
    removed = identity.remove_passkey("pk1")
    assert removed.credential_id == "cred-1"
    assert then(identity) == ["PasskeyRemoved"]
    with pytest.raises(PasskeyRefused):
        identity.use_passkey("cred-1", 1, LATER)
    with pytest.raises(PasskeyRefused):
        identity.remove_passkey("pk1")


def test_only_an_active_account_has_passkeys_and_erasure_ends_them() -> None:
    with pytest.raises(StepOutOfOrder):
        given("email", "password").register_passkey("pk1", "cred-1", "k", 0, "Clé", NOW)
    identity = with_passkey()
    identity.erase("person")
    assert identity.passkeys == {}
    with pytest.raises(StepOutOfOrder):
        identity.use_passkey("cred-1", 1, LATER)

