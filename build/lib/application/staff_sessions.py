"""The console's sessions: apart from people's, shorter, and only for a member
still allowed in.

A console session token is 256 random bits handed to the browser once; the
table keeps its SHA-256 only, like people's sessions. It ends after
``IDLE_TIMEOUT`` unused (15 minutes, half a person's) and at ``LIFETIME`` (8
hours, a working day) whatever happens; disabling a member ends all of theirs
(``end_all``), and a session whose member is disabled meanwhile opens nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID

from application.event_store import EventStore
from application.keyring import sha256
from application.ports import Clock
from application.sessions import IDLE_STEP
from domain.staff import StaffMember

IDLE_TIMEOUT = timedelta(minutes=15)
LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class ConsoleSession:
    token_digest: str
    staff_id: UUID
    expires_at: datetime  # the absolute end, set at sign-in
    idle_until: datetime  # pushed back by each use (at most once a minute)
    last_seen_at: datetime


class ConsoleSessionStore(Protocol):
    """Short-lived state, not history: a table beside the events."""

    def add(self, session: ConsoleSession) -> None: ...

    def get(self, token_digest: str) -> ConsoleSession | None: ...

    def touch(self, token_digest: str, seen_at: datetime, idle_until: datetime) -> None: ...

    def remove(self, token_digest: str) -> None: ...

    def remove_all(self, staff_id: UUID) -> None:
        """End every console session of a member."""

    def remove_expired(self, now: datetime) -> None:
        """Delete the sessions past either deadline."""


class ConsoleSessions:
    def __init__(
        self, store: EventStore, sessions: ConsoleSessionStore, clock: Clock,
        idle: timedelta = IDLE_TIMEOUT, lifetime: timedelta = LIFETIME,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.clock = clock
        self.idle = idle
        self.lifetime = lifetime

    def open(self, member: StaffMember) -> str:
        """A new session of ``member`` (who proved who they are); its token.
        Sessions past their deadlines are swept now: sign-ins are few."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        self.sessions.remove_expired(now)
        self.sessions.add(ConsoleSession(sha256(token), member.id, now + self.lifetime, now + self.idle, now))
        return token

    def current(self, token: str | None) -> StaffMember | None:
        """The enabled member whose live session ``token`` opens, if any; a use
        (recorded at most once a minute) pushes the idle deadline back."""
        session = self.sessions.get(sha256(token)) if token else None
        now = self.clock.now()
        if session is None or session.expires_at <= now or session.idle_until <= now:
            return None
        member = self.store.find(StaffMember, session.staff_id)
        if member is None or member.disabled:
            self.sessions.remove(session.token_digest)
            return None
        if now - session.last_seen_at >= IDLE_STEP:
            self.sessions.touch(session.token_digest, now, min(now + self.idle, session.expires_at))
        return member

    def log_out(self, token: str) -> None:
        self.sessions.remove(sha256(token))

    def end_all(self, staff_id: UUID) -> None:
        self.sessions.remove_all(staff_id)
