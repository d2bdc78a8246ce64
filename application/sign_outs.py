"""The one place a sign-in ends: portal sessions, and the client sign-ins they carried.

Every use case that ends sessions gets this store instead of the session
table (the composition root hands out no other), so none can end a session
and forget its sign-ins. Ending a portal session (logout at the portal or the
API, the end-session endpoint) ends each client sign-in made in it (same
``sid``); ending all of a person's sessions (a password change or reset, an
erasure) ends every sign-in of the person, the kept session's too: a refresh
token must not outlive the password it was obtained with. Each ended sign-in
records ``SignedOut(reason)`` in its own stream — the outbox turns that into
a back-channel logout_token for its client — and its tokens are revoked.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

from application.errors import Refused
from application.event_store import EventStore, retrying
from application.ports import ReadModels, Session, SessionStore, Writes
from domain.client_sign_in import ClientSignIn


class SignInRecords(Protocol):
    def live(self, identity_id: UUID | None = None, sid: str | None = None) -> list[UUID]:
        """The sign-ins not yet ended of a person, or of a portal session."""


class GrantedTokens(Protocol):
    """The token rows, written in the transaction of each ``SignedIn``."""

    def revoke_sign_in(self, sign_in_id: UUID) -> None: ...

    def sign_ins_of(self, identity_id: UUID) -> list[UUID]: ...


class SignOuts:
    def __init__(
        self, store: EventStore, sessions: SessionStore, sign_ins: SignInRecords, read_models: ReadModels,
        tokens: GrantedTokens,
    ) -> None:
        self.store = store
        self.sessions = sessions
        self.sign_ins = sign_ins
        self.read_models = read_models  # waited for: a sign-in just made is ended too
        self.tokens = tokens

    # -- the session store, with the cascade --------------------------------

    def add(self, session: Session, then: Writes = ()) -> None:
        self.sessions.add(session, then)

    def opening(self, session: Session) -> Writes:
        return self.sessions.opening(session)

    def get(self, token_digest: str) -> Session | None:
        return self.sessions.get(token_digest)

    def touch(self, token_digest: str, seen_at: datetime, idle_until: datetime | None) -> None:
        self.sessions.touch(token_digest, seen_at, idle_until)

    def of_person(self, identity_id: UUID) -> list[Session]:
        return self.sessions.of_person(identity_id)

    def remove_expired(self, now: datetime) -> int:
        """Housekeeping only: an expired portal session's sign-ins keep their
        own tokens' lifetimes (offline access), as no one asked to sign out."""
        return self.sessions.remove_expired(now)

    def remove(self, token_digest: str, reason: str = "logout") -> None:
        """A portal or API session ends, and every sign-in made in it."""
        session = self.sessions.get(token_digest)
        self.sessions.remove(token_digest)
        if session is not None:
            self._end(self._live(sid=session.sid), reason)

    def remove_all(self, identity_id: UUID, keep: str | None, reason: str = "logout") -> None:
        """Every session of a person but ``keep`` ends, and every sign-in of
        theirs: those the read model lists, and those whose tokens say so even
        when the projections lag or are down (a password change must never
        leave a refresh token alive)."""
        self.sessions.remove_all(identity_id, keep)
        live = set(self._live(identity_id=identity_id)) | set(self.tokens.sign_ins_of(identity_id))
        self._end(sorted(live, key=str), reason)

    # -- « Applications connectées » ------------------------------------------

    def sign_out(self, identity_id: UUID, sign_in_id: object, reason: str = "person") -> None:
        """The person signs out of one application."""
        try:
            sign_in = self.store.find(ClientSignIn, UUID(str(sign_in_id)))
        except ValueError:
            sign_in = None
        if sign_in is None or sign_in.identity_id != identity_id:
            raise Refused("not_found", "Cette connexion n'existe pas ou ne vous concerne pas.")
        self._end([sign_in.id], reason)

    def _live(self, identity_id: UUID | None = None, sid: str | None = None) -> list[UUID]:
        self.read_models.wait_for(self.store.position())
        return self.sign_ins.live(identity_id=identity_id, sid=sid)

    def _end(self, sign_in_ids: list[UUID], reason: str) -> None:
        """Tokens first: a crash in between leaves a sign-in unannounced, never
        one announced as ended whose tokens still work."""
        for sign_in_id in sign_in_ids:
            self.tokens.revoke_sign_in(sign_in_id)
            self._sign_out(sign_in_id, reason)

    @retrying()
    def _sign_out(self, sign_in_id: UUID, reason: str) -> None:
        sign_in = self.store.find(ClientSignIn, sign_in_id)
        if sign_in is not None and sign_in.signed_out is None:
            sign_in.sign_out(reason)
            self.store.commit(sign_in)
