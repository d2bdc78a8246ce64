"""Passkeys (WebAuthn) as the Identity keeps them.

The aggregate never sees a signature: the application verifies a ceremony's
answer (py_webauthn) against the public key kept here and hands over what the
authenticator said (its credential, its signature counter). What is decided
here is what may be kept and used: a credential once per person, a bounded
number of them, and a counter that only goes forward. WebAuthn §6.1.1: a
counter that does not grow means two authenticators hold the same private
key (a clone), so the use is refused; both at zero means an authenticator
that keeps no counter (synced passkeys), which is allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from domain.errors import DomainError

MAX_PASSKEYS = 20
MAX_NAME = 60


class PasskeyRefused(DomainError):
    """A passkey unknown to this person, or whose use or registration is refused."""

    code = "invalid_passkey"


class SignCountWentBack(PasskeyRefused):
    """The authenticator's counter did not grow: possibly a cloned authenticator."""


class TooManyPasskeys(DomainError):
    code = "too_many_passkeys"


@dataclass
class Passkey:
    """One registered credential: what verifies its signatures (public key,
    counter) and what the person sees (name, dates)."""

    passkey_id: str  # a public random id, for the person's pages
    credential_id: str  # base64url, as the browser names it
    public_key: str  # base64url of the COSE key
    sign_count: int
    name: str
    registered_at: datetime
    last_used_at: datetime | None = None

    def check_sign_count(self, sign_count: int) -> None:
        """A counter must grow, unless the authenticator keeps none (both 0)."""
        if (sign_count > 0 or self.sign_count > 0) and sign_count <= self.sign_count:
            raise SignCountWentBack(f"sign count {sign_count} after {self.sign_count}")


def passkey_name(name: str) -> str:
    """The name a person gives a passkey (« Téléphone de Camille »): trimmed,
    1 to ``MAX_NAME`` characters, no control character."""
    trimmed = " ".join(name.split())
    if not trimmed or len(trimmed) > MAX_NAME or any(ord(c) < 32 or ord(c) == 127 for c in name):
        raise PasskeyRefused("a passkey name is 1 to 60 printable characters")
    return trimmed
