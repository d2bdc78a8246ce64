"""What the use cases need from the outside world, as protocols adapters fulfil."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol
from uuid import UUID

Write = tuple[str, dict[str, Any] | list[dict[str, Any]]]
"""A side-table statement: its SQL and parameters, or a list of them (one row
each, run as one executemany)."""

Writes = Sequence[Write]
"""Side-table statements an adapter gives, for another write to run in its
own transaction (``EventStore.commit(writes=...)``, a session's opening):
stored together or not at all."""


class Clock(Protocol):
    def now(self) -> datetime: ...


class Unopenable(Exception):
    """Sealed bytes that do not open: another key, other associated data, a changed byte."""


class Sealer(Protocol):
    """Authenticated encryption under one key (AES-GCM in ``adapters.aes_gcm``).

    ``seal`` returns the nonce followed by the ciphertext and its tag; ``open``
    gives the plaintext back or raises ``Unopenable``.
    """

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes: ...

    def open(self, sealed: bytes, associated_data: bytes) -> bytes: ...


SealerFor = Callable[[bytes], Sealer]  # the sealer of one 256-bit key


class MailComposer(Protocol):
    """An outbox row made into the mail to send (Jinja templates in ``adapters.mail_messages``)."""

    def compose(self, mail: dict[str, Any]) -> EmailMessage: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...

    def verify(self, password_hash: str, password: str) -> bool: ...

    def needs_rehash(self, password_hash: str) -> bool: ...


@dataclass(frozen=True)
class Session:
    token_digest: str
    identity_id: UUID
    expires_at: datetime  # the absolute end, set at login
    idle_until: datetime | None = None  # portal sessions also end after inactivity
    # The public id of the sign-in (OpenID Connect's ``sid``: never the token's
    # digest) and when the person proved who they are; empty for a session
    # opened before sessions had one.
    sid: str = ""
    authenticated_at: datetime | None = None
    # Where it is used from (the device in words, the client address) and when
    # it was last used, to the minute; empty for a session opened before.
    device: str = ""
    ip: str = ""
    last_seen_at: datetime | None = None


class SessionStore(Protocol):
    """Sessions are short-lived state, not history: a table, not a stream."""

    def add(self, session: Session, then: Writes = ()) -> None:
        """Store the session, and run ``then`` in the same transaction."""

    def opening(self, session: Session) -> Writes:
        """``add``'s statements, for a write of events to run with its own."""

    def get(self, token_digest: str) -> Session | None: ...

    def remove(self, token_digest: str) -> None: ...

    def touch(self, token_digest: str, seen_at: datetime, idle_until: datetime | None) -> None:
        """Record a use: its time and, for an idle-limited session, the new
        inactivity deadline."""

    def of_person(self, identity_id: UUID) -> list[Session]:
        """The person's sessions, oldest first."""

    def remove_all(self, identity_id: UUID, keep: str | None) -> None:
        """End every session of a person but the one whose digest is ``keep``."""

    def remove_expired(self, now: datetime) -> int:
        """Delete the sessions past their deadlines."""


class Mailer(Protocol):
    """Delivers one message; the same message id delivered twice lands once
    where the transport allows it (Maildir), and is retried otherwise."""

    def deliver(self, message: EmailMessage, accepted: Callable[[], None]) -> None:
        """Hand the message over, calling ``accepted`` the moment the transport
        has it (before saying goodbye); raise when it did not take it."""


class KeyStore(Protocol):
    """Per-subject data keys, outside the event store (crypto-shredding)."""

    def ensure(self, subjects: list[UUID]) -> dict[UUID, bytes | None]:
        """Each subject's key, created when missing; None for an erased subject."""

    def create(self, subjects: list[UUID]) -> tuple[dict[UUID, bytes], Write]:
        """New keys for subjects without one, and the statement storing them in
        the commit of their first events; it fails if one already had a row."""

    def get(self, subject: UUID) -> bytes | None: ...

    def shred(self, subject: UUID) -> None:
        """Delete the key for good and remember that the subject was erased."""


class PersonalDataPurge(Protocol):
    """What an erasure must clear beside the event store."""

    def related_identities(self, identity_id: UUID, account_ids: list[UUID]) -> list[UUID]:
        """Unfinished activations of the person: merged into them, or abandoned
        on their contracts (they hold emails the person typed)."""

    def forget(self, identity_ids: list[UUID], emails: list[str]) -> None:
        """Delete sessions, queued mail, remembered answers and throttles, then
        compact the store so no deleted page keeps a copy."""

    def forget_contract(self, account_id: UUID) -> None:
        """Clear an erased contract's data from the read models, then compact."""


class SeenKeys(Protocol):
    """The contracts an import has read so far, however many (a file of a
    million rows must not be held in memory)."""

    def first_lines(self, keys: list[tuple[str, int]]) -> list[int | None]:
        """Remember each (digest, line) of a batch, in line order; for each, the
        line its digest was first read at if that was an earlier line, else None."""

    def close(self) -> None: ...


class ReadModels(Protocol):
    """The projections the use cases consult (profile, pending logins)."""

    def wait_for(self, position: int) -> None:
        """Block until the read models have applied the store's ``position``."""

    def profile(self, identity_id: UUID) -> dict[str, Any] | None: ...

    def pending_identities(self, email: str) -> list[UUID]: ...

    def search(
        self, words: list[str], agency: tuple[str, str] | None, limit: int, offset: int = 0,
        after: tuple[int, int] | None = None,
    ) -> list[dict[str, Any]]: ...

    def support_profile(self, identity_id: UUID, agency: tuple[str, str] | None) -> dict[str, Any] | None: ...
