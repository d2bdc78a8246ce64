"""The password policies: the seeds' criteria, NIST's length, the blocklist."""

from __future__ import annotations

import pytest

from domain.password_policy import nist_policy, seeds_policy

BLOCKLIST = frozenset({"azerty", "password", "motdepasse"})


@pytest.mark.parametrize(
    ("password", "unmet"),
    [
        ("Tr3s-Secret!", []),
        ("abc", ["min_length", "uppercase", "digit", "special"]),
        ("ABCDEFGH1!", ["lowercase"]),
        ("Abcdefgh!", ["digit"]),
        ("Abcdefg1", ["special"]),
        ("Azerty123!", ["not_common"]),
        ("P@ssword1", []),  # decorated differently: 'p@ssword' is not the blocked core
        ("Password1!", ["not_common"]),
        ("Élégant-2026", []),
        ("A1!" + "x" * 300, ["max_length"]),
    ],
)
def test_seeds_policy(password: str, unmet: list[str]) -> None:
    assert seeds_policy(BLOCKLIST).unmet(password) == unmet


def test_a_64_character_password_is_accepted_whole() -> None:
    assert seeds_policy(BLOCKLIST).unmet("Aa1!" * 16) == []


def test_nist_policy_wants_length_not_composition() -> None:
    policy = nist_policy(BLOCKLIST)
    assert policy.unmet("correct horse battery staple") == []
    assert policy.unmet("Sh0rt!") == ["min_length"]
    assert policy.unmet("motdepasse2026!!!!") == ["not_common"]


def test_the_persons_own_email_is_refused_inside_a_password() -> None:
    assert seeds_policy(BLOCKLIST).unmet("Dupont-2026!", ["dupont"]) == ["not_common"]
