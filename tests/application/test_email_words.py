"""A refused address is explained in French, whatever email-validator said (issue 16, point 2)."""

from __future__ import annotations

import pytest

from application.email_words import GENERAL, in_french
from application.emails import normalize_email
from application.errors import Refused

TYPOS = {
    "prenom.nom@exemple": "doit comporter un point",
    "prenom.nomexemple.fr": "il manque le signe @",
    "@exemple.fr": "avant le signe @",
    "prenom@": "après le signe @",
    "pre..nom@exemple.fr": "deux points à la suite",
    ".prenom@exemple.fr": "commencer par un point",
    "prenom.@exemple.fr": "juste avant le signe @",
    "prenom@-exemple.fr": "tiret",
    "prénom nom@exemple.fr": "caractères non permis",
    "prenom@exemple.invalid": "réservé",
    "Jean <jean@exemple.fr>": "sans nom ni chevrons",
    "prenom@" + "a" * 64 + ".fr": "trop longue",
}


@pytest.mark.parametrize("typed", sorted(TYPOS))
def test_each_reason_email_validator_gives_reads_in_french(typed: str) -> None:
    with pytest.raises(Refused) as refused:
        normalize_email(typed)
    assert refused.value.code == "invalid_email"
    assert TYPOS[typed] in refused.value.message, refused.value.message
    assert refused.value.message.startswith("Adresse email invalide : ")
    assert "@-sign" not in refused.value.message and "The " not in refused.value.message


def test_a_reason_not_known_yet_gets_the_general_french_sentence() -> None:
    assert in_french("Some reason a newer email-validator invents.") == GENERAL
