"""The password criteria as the pages show them, from the server's own policy.

The list a person sees, the JSON that ``static/sesame.js`` checks as they type
and the refusal the server answers all come from ``Passwords.policy``: a
criterion shown as met is one the server accepts (the blocklist included).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from application.passwords import Passwords
from domain.password_policy import MAX_LENGTH


def criteria(passwords: Passwords, unmet: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Each criterion in the policy's order, with its French words and, after
    a refusal, whether it was met (``None`` before any attempt)."""
    policy = passwords.policy
    labels = {"min_length": f"Au moins {policy.min_length} caractères"}
    if policy.composition:
        labels |= {
            "uppercase": "Au moins une majuscule",
            "lowercase": "Au moins une minuscule",
            "digit": "Au moins un chiffre",
            "special": "Au moins un caractère spécial (! ? @ # - …)",
        }
    labels |= {
        "not_common": "Pas un mot de passe courant, ni une partie de votre adresse email",
        "max_length": f"Au plus {MAX_LENGTH} caractères",
    }
    failed = None if unmet is None else set(unmet)
    return [
        {
            "code": code,
            "label": label,
            "met": None if failed is None else code not in failed,
            # a limit nobody reaches by accident is listed only once it is crossed
            "hidden": code == "max_length" and (failed is None or code not in failed),
        }
        for code, label in labels.items()
    ]


def policy_json(passwords: Passwords, context: Iterable[str] = ()) -> str:
    """The rules for the live check, embedded as a JSON data block (not a
    script: the CSP forbids inline scripts, and data is not executed)."""
    policy = passwords.policy
    document = {
        "min_length": policy.min_length,
        "max_length": MAX_LENGTH,
        "composition": policy.composition,
        "blocklist": sorted(policy.blocklist),
        "context": [item for item in context if item],
    }
    return json.dumps(document, ensure_ascii=False).replace("<", "\\u003c")


def password_context(
    passwords: Passwords, unmet: Iterable[str] | None = None, context: Iterable[str] = ()
) -> dict[str, Any]:
    """What a template with a new-password field needs."""
    return {"criteria": criteria(passwords, unmet), "policy_json": policy_json(passwords, context)}
