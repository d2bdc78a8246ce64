"""Keyed derivations with SECRET_KEY: index ids, provisional codes, emailed links.

Everything the store must not reveal goes through here. An index id is an
HMAC of its natural key, so no email appears in an id; a provisional code is
kept as an HMAC, because a plain hash of one of a million codes is no secret;
an emailed link is an HMAC of a random nonce kept in the event stream, so the
outbox can write the link again after a crash while the store alone cannot.
A key of its own for another purpose (the one that wraps subject keys) is
derived with HKDF under a label, never SECRET_KEY itself.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from uuid import UUID


class Keyring:
    def __init__(self, secret_key: bytes) -> None:
        self._key = secret_key

    def digest(self, purpose: str, *parts: str) -> str:
        """A stable keyed digest (hex) of a natural key, one namespace per purpose."""
        message = "\x1f".join((purpose, *parts)).encode()
        return hmac.digest(self._key, message, "sha256").hex()  # one C call: an import makes millions

    def derive(self, purpose: str) -> bytes:
        """A 256-bit key for ``purpose`` alone: HKDF-SHA256 (RFC 5869) with no salt
        and the purpose as its label; one block of output, so one expand step."""
        pseudo_random_key = hmac.new(bytes(hashlib.sha256().digest_size), self._key, hashlib.sha256).digest()
        return hmac.new(pseudo_random_key, f"sesame:{purpose}".encode() + b"\x01", hashlib.sha256).digest()

    @staticmethod
    def nonce() -> str:
        """128 random bits for a link or token, recorded in the event stream."""
        return secrets.token_hex(16)

    def mint(self, purpose: str, owner: UUID, nonce: str) -> str:
        """The secret token for (purpose, owner, nonce): owner id then keyed MAC."""
        mac = hmac.new(self._key, f"{purpose}:{owner}:{nonce}".encode(), hashlib.sha256)
        return _b64(owner.bytes) + _b64(mac.digest())

    def check(self, purpose: str, token: str, nonce: str | None) -> bool:
        """True when the token is the one minted for this nonce (constant time)."""
        owner = self.owner_of(token)
        if owner is None or nonce is None:
            return False
        return hmac.compare_digest(token, self.mint(purpose, owner, nonce))

    @staticmethod
    def owner_of(token: str) -> UUID | None:
        """The owner id a token names, or None for a malformed token."""
        if len(token) != 65 or not token.isascii():
            return None
        try:
            return UUID(bytes=base64.urlsafe_b64decode(token[:22] + "=="))
        except (binascii.Error, ValueError):
            return None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def sha256(token: str) -> str:
    """Digest for random session and staff tokens: they carry their own entropy."""
    return hashlib.sha256(token.encode()).hexdigest()
