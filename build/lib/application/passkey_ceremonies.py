"""The challenges of passkey ceremonies: single-use, short-lived, bound to
the browser that asked and, for a registration, to the person.

A ceremony is a random token the browser keeps in an HttpOnly cookie; the
server keeps only its SHA-256, with what the ceremony is for, whose it is and
until when (``CeremonyStore``). The WebAuthn challenge is not stored at all:
it is a keyed digest of the token (``SECRET_KEY``), computed again when the
answer comes back. Taking a ceremony deletes it, so a challenge answers once,
and a sign-in's token cannot finish a registration or the other way round.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.errors import Refused
from application.keyring import Keyring, sha256
from application.ports import Clock

CEREMONY_TTL = timedelta(minutes=5)
REGISTRATION, SIGN_IN = "registration", "sign-in"


@dataclass(frozen=True)
class Ceremony:
    purpose: str
    identity_id: UUID | None  # the person registering; None for a sign-in
    expires_at: datetime


class CeremonyStore(Protocol):
    def open(self, token_digest: str, ceremony: Ceremony, now: datetime) -> None:
        """Keep a new ceremony (and forget the expired ones)."""

    def take(self, token_digest: str) -> Ceremony | None:
        """The ceremony, deleted in the same step: a token serves once."""


def expired_ceremony() -> Refused:
    return Refused(
        "invalid_passkey", "Cette demande de clé d'accès a expiré ou a déjà servi : recommencez.", field="ceremony"
    )


class Ceremonies:
    def __init__(self, store: CeremonyStore, keys: Keyring, clock: Clock) -> None:
        self.store = store
        self.keys = keys
        self.clock = clock

    def open(self, purpose: str, identity_id: UUID | None = None) -> tuple[str, bytes]:
        """A new ceremony: its token (for the browser's cookie) and its challenge."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        self.store.open(sha256(token), Ceremony(purpose, identity_id, now + CEREMONY_TTL), now)
        return token, self.challenge(token)

    def take(self, token: object, purpose: str, identity_id: UUID | None = None) -> bytes:
        """The challenge of a live ceremony of ``purpose`` (and of this person),
        spent; ``invalid_passkey`` otherwise."""
        if not isinstance(token, str) or not token or len(token) > 64:
            raise expired_ceremony()
        ceremony = self.store.take(sha256(token))
        if (
            ceremony is None or ceremony.purpose != purpose or ceremony.identity_id != identity_id
            or ceremony.expires_at <= self.clock.now()
        ):
            raise expired_ceremony()
        return self.challenge(token)

    def challenge(self, token: str) -> bytes:
        return bytes.fromhex(self.keys.digest("passkey-challenge", token))
