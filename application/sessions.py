"""Logging in by email and password, and the bearer sessions that follow.

A session token is 256 random bits handed to the person once; the store keeps
its SHA-256 only. Reads through projections first wait for the position the
store had when the read began, so a person always sees their own changes.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.activation import invalid_credentials
from application.directory import Directory
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.keyring import sha256
from application.passwords import Passwords
from application.ports import Clock, ReadModels, Session, SessionStore
from application.terms import current_terms_version
from application.throttle import Throttle
from domain.identity import ACTIVE


@dataclass(frozen=True)
class LoggedIn:
    token: str
    identity_id: UUID
    email: str


class Sessions:
    def __init__(
        self,
        directory: Directory,
        passwords: Passwords,
        sessions: SessionStore,
        read_models: ReadModels,
        clock: Clock,
        ttl: timedelta,
        throttle: Throttle,
    ) -> None:
        self.directory = directory
        self.store = directory.store
        self.passwords = passwords
        self.sessions = sessions
        self.read_models = read_models
        self.clock = clock
        self.ttl = ttl
        self.throttle = throttle

    @retrying()
    def log_in(self, email: object, password: object, origin: str | None = None) -> LoggedIn:
        """Email and password to a new session, or the reason for refusal; an
        unknown email is counted and verified exactly like a wrong password."""
        try:
            address = normalize_email(email)
        except Refused:
            address = None
        attempt = self.throttle.attempt(*self.throttle.password(address), *self.throttle.guesses_from(origin))
        digest = self.directory.email_digest(address) if address else ""
        identity = self.directory.holder(digest) if address else None
        password_hash = identity.password_hash if identity and identity.status == ACTIVE else None
        if not self.passwords.verify(password_hash, password):
            if address and self._pending_match(address, password):
                raise Refused("email_not_verified", "Validez d'abord votre adresse email avec le lien reçu.")
            raise invalid_credentials()
        attempt.passed()
        assert identity is not None and identity.email is not None and isinstance(password, str)
        if self.passwords.needs_rehash(password_hash or ""):
            identity.rehash_password(self.passwords.rehash(password))
            self.store.commit(identity)
        logged_in = self._open(identity.id, identity.email)
        if identity.terms_version != current_terms_version():
            raise Refused(
                "terms_acceptance_required",
                "Les CGU et la politique de confidentialité ont changé : acceptez la nouvelle version pour continuer.",
                terms_version=current_terms_version(),
                token=logged_in.token,
            )
        return logged_in

    def _pending_match(self, email: str, password: object) -> bool:
        """Whether an activation still awaiting its email proof has this password."""
        for identity_id in self.read_models.pending_identities(email):
            identity = self.directory.identity(identity_id)
            if identity and identity.status != ACTIVE and self.passwords.verify(identity.password_hash, password):
                return True
        return False

    def _open(self, identity_id: UUID, email: str) -> LoggedIn:
        token = secrets.token_urlsafe(32)
        self.sessions.add(
            Session(sha256(token), identity_id, self.clock.now() + self.ttl)
        )
        return LoggedIn(token, identity_id, email)

    def current(self, token: str | None) -> Session | None:
        """The live session a bearer token opens, if any."""
        if not token:
            return None
        session = self.sessions.get(sha256(token))
        if session is None or session.expires_at <= self.clock.now():
            return None
        return session

    def log_out(self, token: str) -> None:
        self.sessions.remove(sha256(token))

    def me(self, session: Session) -> dict[str, Any]:
        """The person's profile as the read model holds it, their writes included."""
        self.read_models.wait_for(self.store.position())
        profile = self.read_models.profile(session.identity_id)
        if profile is None:
            raise Refused("unauthenticated", "Votre session a expiré : reconnectez-vous.")
        return profile
