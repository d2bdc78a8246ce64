"""Password rules: the seeds' composition criteria, or NIST SP 800-63B rev 4's.

A policy answers with the list of unmet criteria, which the portal shows one by
one (a ✓ per criterion) and the API returns in ``weak_password``. Both policies
refuse the commonest passwords: the check folds case and strips the digits and
symbols people append ("Azerty123!" is "azerty" with decoration).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

MAX_LENGTH = 256  # long enough for any passphrase, short enough to hash cheaply


@dataclass(frozen=True)
class PasswordPolicy:
    name: str
    min_length: int
    composition: bool
    blocklist: frozenset[str]

    def unmet(self, password: str, context: Iterable[str] = ()) -> list[str]:
        """The criteria this password fails, in the order the portal lists them."""
        failed = []
        length = len(unicodedata.normalize("NFC", password))
        if length < self.min_length:
            failed.append("min_length")
        if length > MAX_LENGTH:
            failed.append("max_length")
        if self.composition:
            if not re.search(r"[A-ZÀ-ÖØ-Þ]", password):
                failed.append("uppercase")
            if not re.search(r"[a-zß-öø-ÿ]", password):
                failed.append("lowercase")
            if not re.search(r"\d", password):
                failed.append("digit")
            if not re.search(r"[^\w\s]|_", password):
                failed.append("special")
        if self._is_common(password, context):
            failed.append("not_common")
        return failed

    def _is_common(self, password: str, context: Iterable[str]) -> bool:
        folded = password.casefold()
        core = re.sub(r"^[\d\W_]+|[\d\W_]+$", "", folded)
        if folded in self.blocklist or core in self.blocklist:
            return True
        words = {w.casefold() for w in context if len(w) >= 4}
        return any(w in folded for w in words)


def seeds_policy(blocklist: frozenset[str]) -> PasswordPolicy:
    """The portals' rules (seeds 000, 001, 003) raised to 8 characters."""
    return PasswordPolicy("seeds", 8, True, blocklist)


def nist_policy(blocklist: frozenset[str]) -> PasswordPolicy:
    """NIST SP 800-63B rev 4, single-factor: length and a blocklist, no composition."""
    return PasswordPolicy("nist", 15, False, blocklist)
