"""Crypto-shredding: personal fields of events sealed with their subject's key.

Every event field that names a person (an email, a holder name, a login id)
is encrypted with AES-GCM under a data key of the aggregate it belongs to: the
identity's own key, or the agency contract's. The keys live in a table
outside the event store. Erasing a subject deletes its key, so its history
stays in order but its personal fields read as erased, in every replay, every
projection rebuild and every export, with no event rewritten.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterable
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder

from application.ports import KeyStore, Sealer, SealerFor, Write
from application.snapshots import STATE_FIELD, is_snapshot, opened_state, sealed_state

# ``totp_secret``: a two-step sign-in secret is shredded with the rest.
PERSONAL_FIELDS = frozenset({
    "email", "new_email", "old_email", "holder_name", "suggested_email", "login_id", "totp_secret",
    "device", "devices", "ip",  # where a person signs in from
    "typed_reason",  # what a staff member wrote about the person when acting on the account
    "passkey_name",  # « Téléphone de Camille »
    "property",  # the contract's property: an address, a lot
})
ERASED = "[effacé]"
SEALED = "pii:v1:"


class SubjectErased(Exception):
    """Personal data may not be written for a subject that was erased."""


class SubjectKeys:
    """The key store behind a short-lived cache, so replays cost one lookup.

    An erasure in another process is seen here within ``ttl`` seconds.
    """

    def __init__(self, store: KeyStore, sealer_for: SealerFor, ttl: float = 5.0, size: int = 10_000) -> None:
        self.store = store
        self.sealer_for = sealer_for
        self.ttl = ttl
        self.size = size
        self._cache: dict[UUID, tuple[float, bytes | None]] = {}
        self._lock = threading.Lock()

    def _cached(self, subject: UUID) -> tuple[bool, bytes | None]:
        with self._lock:
            hit = self._cache.get(subject)
        if hit and hit[0] > time.monotonic():
            return True, hit[1]
        return False, None

    def _remember(self, subject: UUID, key: bytes | None) -> None:
        with self._lock:
            if len(self._cache) >= self.size:
                self._cache.clear()
            self._cache[subject] = (time.monotonic() + self.ttl, key)

    def _remember_all(self, keys: dict[UUID, bytes | None]) -> None:
        """Cache a batch's keys together: room is made before the batch, never
        in its middle, so none is dropped before its events are sealed."""
        expires = time.monotonic() + self.ttl
        with self._lock:
            if len(self._cache) + len(keys) > self.size:
                self._cache.clear()
            self._cache.update((subject, (expires, key)) for subject, key in keys.items())

    def prepare(self, subjects: Iterable[UUID]) -> None:
        """Create (in one write) and cache the keys of many subjects: imports."""
        keys: dict[UUID, bytes | None] = {}
        missing = []
        for subject in subjects:
            found, key = self._cached(subject)
            if found:
                keys[subject] = key
            else:
                missing.append(subject)
        if missing:
            keys.update(self.store.ensure(missing))
        self._remember_all(keys)

    def create(self, subjects: list[UUID]) -> Write:
        """Keys for subjects that have none yet (an import's new contracts),
        cached for sealing their first events, and the statement that stores
        them in the same commit. If that commit fails, ``forget`` them."""
        keys, write = self.store.create(subjects)
        self._remember_all(dict(keys))
        return write

    def forget(self, subjects: Iterable[UUID]) -> None:
        """Drop cached keys that were never stored (their commit failed)."""
        with self._lock:
            for subject in subjects:
                self._cache.pop(subject, None)

    def for_writing(self, subject: UUID) -> bytes:
        found, key = self._cached(subject)
        if not found:
            key = self.store.ensure([subject])[subject]
            self._remember(subject, key)
        if key is None:
            raise SubjectErased(str(subject))
        return key

    def for_reading(self, subject: UUID) -> bytes | None:
        found, key = self._cached(subject)
        if not found:
            key = self.store.get(subject)
            self._remember(subject, key)
        return key

    def shred(self, subject: UUID) -> None:
        self.store.shred(subject)
        self._remember(subject, None)


def seal(sealer: Sealer, subject: UUID | str, field: str, value: str) -> str:
    return SEALED + base64.b64encode(sealer.seal(value.encode(), f"{subject}:{field}".encode())).decode()


def unseal(sealer: Sealer | None, subject: UUID, field: str, value: str) -> str:
    if sealer is None:
        return ERASED
    raw = base64.b64decode(value[len(SEALED):])
    return sealer.open(raw, f"{subject}:{field}".encode()).decode()


class PersonalDataMapper(Mapper[UUID]):
    """eventsourcing's Mapper, sealing personal fields on the way in and opening
    them (or reading them as erased) on the way out."""

    def __init__(self, transcoder: Transcoder, keys: SubjectKeys) -> None:
        super().__init__(transcoder=transcoder)
        self.keys = keys

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        state: dict[str, Any] = dict(vars(domain_event))
        personal = [f for f in PERSONAL_FIELDS.intersection(state) if isinstance(state[f], str) and state[f]]
        subject = domain_event.originator_id
        if is_snapshot(domain_event):  # a whole aggregate: its state is sealed whole
            sealer = self.keys.sealer_for(self.keys.for_writing(subject))
            state["state"] = sealed_state(
                self.transcoder, state["state"], lambda text: seal(sealer, subject, STATE_FIELD, text)
            )
            personal = ["state"]
        elif personal:
            sealer = self.keys.sealer_for(self.keys.for_writing(subject))
            subject_text = str(subject)  # once per event, not per field
            for field in personal:
                state[field] = seal(sealer, subject_text, field, state[field])
        if personal:
            sealed_event = object.__new__(type(domain_event))
            object.__setattr__(sealed_event, "__dict__", state)
            domain_event = sealed_event
        return super().to_stored_event(domain_event)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        event = super().to_domain_event(stored_event)
        state = vars(event)
        if is_snapshot(event):
            opener = self._opener(event.originator_id)
            state["state"] = opened_state(
                self.transcoder, state["state"],
                lambda text: None if opener is None else unseal(opener, event.originator_id, STATE_FIELD, text),
            )
            return event
        sealed = [f for f, v in state.items() if isinstance(v, str) and v.startswith(SEALED)]
        if sealed:
            opener = self._opener(event.originator_id)
            for field in sealed:
                state[field] = unseal(opener, event.originator_id, field, state[field])
        return event

    def _opener(self, subject: UUID) -> Sealer | None:
        """None once the subject is erased: its fields then read as erased."""
        key = self.keys.for_reading(subject)
        return None if key is None else self.keys.sealer_for(key)
