"""Personal passwords: the policy's criteria, then argon2id through the port.

Verification of an unknown account runs against a dummy hash of the same
parameters, so a wrong email costs the same time as a wrong password.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from application.errors import Problems, Refused
from application.once import once
from application.ports import PasswordHasher
from domain.password_policy import PasswordPolicy, nist_policy, seeds_policy

BLOCKLIST = frozenset(
    (Path(__file__).parent / "common_passwords.txt").read_text().split()
)
POLICIES = {"seeds": seeds_policy, "nist": nist_policy}
NEW_PASSWORD_FIELDS = ("new_password", "new_password_confirmation")  # as the API names a change's or a reset's


class Passwords:
    def __init__(self, hasher: PasswordHasher, policy_name: str) -> None:
        self.hasher = hasher
        self.policy: PasswordPolicy = POLICIES[policy_name](BLOCKLIST)
        self._dummy_hash = hasher.hash("sesame-dummy-password")

    def new_hash(
        self, password: object, confirmation: object, context: Iterable[str] = (), problems: Problems | None = None,
        names: tuple[str, str] = ("password", "password_confirmation"),
    ) -> str:
        """The hash of an acceptable new password, or the refusal to show: with
        the other ``problems`` of the request, every unmet rule at once (a weak
        password and a confirmation that differs), each against its field."""
        problems = problems or Problems()
        self.check_new(password, confirmation, context, problems, names)
        problems.raise_any()
        return self.rehash(str(password))  # a str: anything else was refused

    def check_new(
        self, password: object, confirmation: object, context: Iterable[str], problems: Problems,
        names: tuple[str, str] = ("password", "password_confirmation"),
    ) -> None:
        """Note what is wrong with a new password and its confirmation."""
        if not isinstance(password, str) or not isinstance(confirmation, str) or not password:
            problems.add(names[0], Refused("weak_password", "Choisissez un mot de passe.", criteria=self.unmet("")))
            return
        unmet = self.unmet(password, context)
        if unmet:
            weak = Refused("weak_password", "Ce mot de passe ne respecte pas tous les critères.", criteria=unmet)
            problems.add(names[0], weak)
        if password != confirmation:
            problems.add(names[1], Refused("password_mismatch", "Les deux mots de passe ne sont pas identiques."))

    def unmet(self, password: str, context: Iterable[str] = ()) -> list[str]:
        words = [part for item in context for part in item.replace("@", " ").replace(".", " ").split()]
        return self.policy.unmet(password, words)

    def verify(self, password_hash: str | None, password: object) -> bool:
        """Constant-work check: an absent hash is checked against the dummy one."""
        if not isinstance(password, str):
            password = ""
        checked = password_hash or self._dummy_hash
        matched = once(("verify", checked, password), lambda: self.hasher.verify(checked, password))
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        return self.hasher.needs_rehash(password_hash)

    def rehash(self, password: str) -> str:
        """A new hash of the password (once per use case, however often it is re-run)."""
        return once(("hash", password), lambda: self.hasher.hash(password))
