"""Authorization codes, access and refresh tokens: digests in a table, never the values.

A code is written in the same transaction as the ``SignedIn`` event of its
sign-in (``writes``). Every row names its sign-in (a ClientSignIn id): ``revoke_sign_in`` ends all
of them at once, including tokens a concurrent request saves afterwards (the
sign-in itself is marked revoked, and every lookup checks the mark). A code is
spent by one atomic update, in the transaction that saves the tokens issued for
it, so of two redemptions racing only one wins; the other, like any later
reuse, revokes the sign-in (RFC 6749 §4.1.2). A refresh token is spent the same
way at each rotation (the old one spent and the new ones saved together), and a
spent one presented again revokes the sign-in (RFC 6819 §5.2.2.3).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol
from uuid import UUID

from application.keyring import sha256
from application.ports import Clock, Writes

CODE, ACCESS, REFRESH = "code", "access", "refresh"
CODE_LIFETIME = timedelta(seconds=60)
REFRESH_LIFETIME = timedelta(days=30)


@dataclass(frozen=True)
class TokenRecord:
    digest: str
    kind: str
    sign_in_id: UUID
    client_id: str
    identity_id: UUID
    scope: str
    issued_at: datetime
    expires_at: datetime
    data: dict[str, Any] = field(default_factory=dict)  # what the grant carries on: nonce, PKCE, contract, sid
    spent_at: datetime | None = None
    revoked: bool = False  # the token, or its whole sign-in


class TokenStore(Protocol):
    def add(self, *records: TokenRecord) -> None: ...

    def inserts(self, *records: TokenRecord) -> Writes:
        """The statements that add these rows, for the event store to run in
        the transaction of the events they follow (EventStore.commit)."""

    def get(self, digest: str) -> TokenRecord | None: ...

    def spend(self, digest: str, at: datetime, *issued: TokenRecord) -> bool:
        """Mark a live code or refresh token used and add the rows ``issued`` in
        exchange, in one transaction; False, and nothing written, when it already was."""

    def revoke(self, digest: str, at: datetime) -> None: ...

    def revoke_sign_in(self, sign_in_id: UUID, at: datetime) -> None:
        """Revoke every token of the sign-in, and those saved for it later."""

    def sign_ins_of(self, identity_id: UUID) -> list[UUID]:
        """The person's sign-ins that hold rows and are not revoked."""

    def remove_expired(self, now: datetime) -> int:
        """Housekeeping (the retention sweep): rows past their deadline."""


class SignInRevocation(Protocol):
    """The port the sign-out cascade calls (logout, password change, erasure...)."""

    def revoke_sign_in(self, sign_in_id: UUID) -> None: ...


class Tokens:
    def __init__(self, store: TokenStore, clock: Clock, access_lifetime: timedelta) -> None:
        self.store = store
        self.clock = clock
        self.access_lifetime = access_lifetime

    @staticmethod
    def new_value() -> str:
        return secrets.token_urlsafe(32)

    def record(
        self, value: str, kind: str, sign_in_id: UUID, client_id: str, identity_id: UUID, scope: str,
        data: dict[str, Any], lifetime: timedelta,
    ) -> TokenRecord:
        now = self.clock.now()
        return TokenRecord(sha256(value), kind, sign_in_id, client_id, identity_id, scope, now, now + lifetime, data)

    def save(self, *records: TokenRecord) -> None:
        self.store.add(*records)

    def writes(self, *records: TokenRecord) -> Writes:
        return self.store.inserts(*records)

    def live(self, value: str, *kinds: str) -> TokenRecord | None:
        """The token of one of these kinds, if neither expired, spent nor revoked."""
        record = self.store.get(sha256(value)) if value else None
        if record is None or record.kind not in kinds or record.revoked or record.spent_at is not None:
            return None
        return record if record.expires_at > self.clock.now() else None

    def presented(self, value: str, client_id: str, kind: str) -> TokenRecord | None:
        """The live code or refresh token a client presents, still to be spent
        by ``exchange``. Presenting a spent one again revokes its whole sign-in;
        an expired one is spent all the same (presented again, it is a reuse)."""
        record = self.store.get(sha256(value)) if value else None
        if record is None or record.kind != kind or record.client_id != client_id or record.revoked:
            return None
        if record.spent_at is not None:
            self.revoke_sign_in(record.sign_in_id)
            return None
        if record.expires_at > self.clock.now():
            return record
        self.exchange(record)
        return None

    def exchange(self, presented: TokenRecord, *issued: TokenRecord) -> bool:
        """Spend a presented code or refresh token and save the tokens issued for
        it, in one transaction. Losing the race to spend it (another request did)
        saves nothing, revokes the whole sign-in and answers False."""
        if self.store.spend(presented.digest, self.clock.now(), *issued):
            return True
        self.revoke_sign_in(presented.sign_in_id)
        return False

    def spend(self, value: str, client_id: str, kind: str) -> TokenRecord | None:
        """Use a code or refresh token once, for nothing in exchange."""
        record = self.presented(value, client_id, kind)
        return record if record is not None and self.exchange(record) else None

    def find(self, value: str) -> TokenRecord | None:
        """An access or refresh token in any state (introspection, revocation)."""
        record = self.store.get(sha256(value)) if value else None
        return record if record is not None and record.kind in (ACCESS, REFRESH) else None

    def is_active(self, record: TokenRecord) -> bool:
        return not record.revoked and record.spent_at is None and record.expires_at > self.clock.now()

    def revoke(self, record: TokenRecord) -> None:
        self.store.revoke(record.digest, self.clock.now())

    def revoke_sign_in(self, sign_in_id: UUID) -> None:
        self.store.revoke_sign_in(sign_in_id, self.clock.now())

    def sign_ins_of(self, identity_id: UUID) -> list[UUID]:
        """Read from the rows written with each ``SignedIn``, not from a read
        model: a person-wide sign-out finds every sign-in even with the
        projections stopped."""
        return self.store.sign_ins_of(identity_id)
