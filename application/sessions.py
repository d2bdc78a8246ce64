"""Logging in by email and password, and the bearer sessions that follow.

A session token is 256 random bits handed to the person once; the store keeps
its SHA-256 only. Every session ends at its absolute deadline (``ttl``); a
portal session also ends after ``idle`` without use (OWASP ASVS 5.0 V7.3.1,
V7.3.2), while API sessions keep the lifetime the contract gave them. Reads
through projections first wait for the position the store had when the read
began, so a person always sees their own changes.

A session remembers where it is used from (the device in words, the client
address) and its last use, to the minute. A sign-in from a device the person
never used records ``NewDeviceSignedIn``, which the outbox mails: the portal
knows a device by its long-lived device cookie, the API by its User-Agent,
each kept as a keyed digest per person.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from uuid import UUID

from application.activation import ACTIVATION
from application.device_words import device_words
from application.directory import Directory
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.keyring import sha256
from application.passwords import Passwords
from application.ports import Clock, ReadModels, Session, SessionStore, Writes
from application.terms import current_terms_version
from application.throttle import Throttle
from domain.identity import ACTIVATING, ACTIVE, Identity

IDLE_TIMEOUT = timedelta(minutes=30)
IDLE_STEP = timedelta(minutes=1)  # a busy session writes its last use (and idle deadline) at most once a minute
TWO_STEP_CHALLENGE = "two-step-challenge"
CHALLENGE_TTL = timedelta(minutes=5)


@dataclass(frozen=True)
class SignInDevice:
    """Where a sign-in comes from: the client address, its User-Agent, and what
    tells the device apart (the portal's device cookie; else the User-Agent)."""

    ip: str | None = None
    user_agent: str = ""
    device_key: str | None = None


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
        idle: timedelta = IDLE_TIMEOUT,
    ) -> None:
        self.directory = directory
        self.store = directory.store
        self.passwords = passwords
        self.sessions = sessions
        self.read_models = read_models
        self.clock = clock
        self.ttl = ttl
        self.throttle = throttle
        self.idle = idle

    @retrying()
    def log_in(
        self, email: object, password: object, origin: str | None = None, idle_timeout: bool = False,
        device: SignInDevice | None = None,
    ) -> LoggedIn:
        """Email and password to a new session, or the reason for refusal. Every
        path verifies exactly one argon2id hash (the account's, else a pending
        activation's, else a dummy one) and counts one try, so neither an unknown
        email nor an unfinished activation answers faster or slower.
        ``idle_timeout`` (the portal's sessions) also ends it after ``idle`` unused.
        A person with two-step sign-in gets ``two_step_required`` and a challenge
        instead, only once the password proved right: a wrong one answers as before.
        ``device`` says where it comes from (``origin`` stands for its address)."""
        try:
            address = normalize_email(email)
        except Refused:
            address = None
        attempt = self.throttle.attempt(*self.throttle.password_of(address), *self.throttle.guesses_from(origin))
        identity = self.directory.holder(self.directory.email_digest(address)) if address else None
        active = identity is not None and identity.status == ACTIVE
        pending = None if active or not address else self._pending(address)
        candidate = identity if active else pending
        if not self.passwords.verify(candidate.password_hash if candidate else None, password):
            raise Refused("invalid_credentials", "Adresse email ou mot de passe incorrect.")
        if pending is not None and candidate is pending:
            raise self._not_verified(pending)
        given_back = attempt.passed_with()  # stored with the login's one write, below
        if identity is None or identity.email is None or not identity.password_hash or not isinstance(password, str):
            raise RuntimeError("broken invariant: a person whose password was just verified has none")
        device = device or SignInDevice(origin)
        if self.passwords.needs_rehash(identity.password_hash):
            identity.rehash_password(self.passwords.rehash(password))
        self.note_device(identity, device)
        if identity.two_step_on:
            raise self._two_step_required(identity, given_back)
        return self.open_for(identity, idle_timeout, device, given_back)

    def _two_step_required(self, identity: Identity, then: Writes = ()) -> Refused:
        """The password was right but a code is due: a challenge, keyed to this
        identity and to a nonce its history records, used once within
        ``CHALLENGE_TTL`` (``TwoStepSignIn.complete`` opens it)."""
        nonce = self.directory.keys.nonce()
        identity.challenge_two_step(nonce, self.clock.now() + CHALLENGE_TTL)
        self.store.commit(identity, writes=then)
        return Refused(
            "two_step_required", "Saisissez le code à 6 chiffres de votre application d'authentification.",
            challenge=self.directory.keys.mint(TWO_STEP_CHALLENGE, identity.id, nonce),
        )

    def open_for(
        self, identity: Identity, idle_timeout: bool = False, device: SignInDevice | None = None, then: Writes = ()
    ) -> LoggedIn:
        """A session for a person who proved who they are, stored in one
        transaction with the identity's pending events (a new device, a rehash)
        and ``then`` (the throttle's give-back); new terms to accept come first
        (``terms_acceptance_required``, with the session's token)."""
        if identity.email is None:
            raise RuntimeError("broken invariant: identity.email is None")
        session, token = self._session(identity.id, idle_timeout, device)
        if identity.pending_events:
            self.store.commit(identity, writes=[*self.sessions.opening(session), *then])
        else:
            self.sessions.add(session, then)
        logged_in = LoggedIn(token, identity.id, identity.email)
        if identity.terms_version != current_terms_version():
            raise Refused(
                "terms_acceptance_required",
                "Les CGU et la politique de confidentialité ont changé : acceptez la nouvelle version pour continuer.",
                terms_version=current_terms_version(),
                token=logged_in.token,
            )
        return logged_in

    def _not_verified(self, pending: Identity) -> Refused:
        """The right password of an activation still waiting for its emailed
        link: its token comes with the refusal (the person just proved the
        password they chose in it), so they can have the link sent again."""
        details = {}
        if pending.status == ACTIVATING and pending.activation_nonce:
            details["activation"] = self.directory.keys.mint(ACTIVATION, pending.id, pending.activation_nonce)
        return Refused("email_not_verified", "Validez d'abord votre adresse email avec le lien reçu.", **details)

    def _pending(self, email: str) -> Identity | None:
        """An activation awaiting its proof at this email with its password chosen:
        the one hash a login checks when no account has the email yet."""
        found = (self.directory.identity(i) for i in self.read_models.pending_identities(email))
        return next((i for i in found if i and i.status != ACTIVE and i.password_hash), None)

    def note_device(self, identity: Identity, device: SignInDevice) -> None:
        """A device is known per person by a keyed digest of its cookie (else its
        User-Agent): the first sign-in from it adds ``NewDeviceSignedIn``."""
        key = device.device_key or f"user-agent:{device.user_agent}"
        digest = self.directory.keys.digest("known-device", str(identity.id), key)
        identity.sign_in_from(digest, device_words(device.user_agent), device.ip or "")

    def _session(
        self, identity_id: UUID, idle_timeout: bool, device: SignInDevice | None
    ) -> tuple[Session, str]:
        """A new session and its token (the store keeps only the token's digest)."""
        token = secrets.token_urlsafe(32)
        now = self.clock.now()
        idle_until = min(now + self.idle, now + self.ttl) if idle_timeout else None
        device = device or SignInDevice()
        session = Session(
            sha256(token), identity_id, now + self.ttl, idle_until, secrets.token_urlsafe(16), now,
            device_words(device.user_agent), device.ip or "", now,
        )
        return session, token

    def current(self, token: str | None) -> Session | None:
        """The live session a bearer token opens, if any; a use is recorded
        (at most once a minute) and pushes an idle-limited session's
        inactivity deadline back."""
        if not token:
            return None
        session = self.sessions.get(sha256(token))
        now = self.clock.now()
        if session is None or session.expires_at <= now:
            return None
        if session.idle_until is not None and session.idle_until <= now:
            return None
        last_use = session.last_seen_at or session.authenticated_at
        if last_use is None or now - last_use >= IDLE_STEP:
            renewed = min(now + self.idle, session.expires_at) if session.idle_until is not None else None
            self.sessions.touch(session.token_digest, now, renewed)
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
