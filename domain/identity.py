"""Identity: a person's path from provisional credentials to a personal account.

The event stream is the person's history as support and auditors replay it:
ActivationStarted, EmailProposed, PasswordSet, TermsAccepted,
EmailVerificationRequested, EmailVerified, AccountLinked, ... Secrets never
enter it in clear: the password arrives as an argon2id hash, and emailed links
are keyed derivations of a random nonce recorded here (the application holds
the key), so the store alone can forge no link.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import AlreadyActivated, InvalidToken, StepOutOfOrder

ACTIVATING, ACTIVE, MERGED, RESET = "activating", "active", "merged", "reset"


class Identity(Aggregate):
    """One person; several agency contracts may end up linked to it."""

    @event("ActivationStarted")
    def __init__(self, account_id: UUID, activation_nonce: str) -> None:
        self.status = ACTIVATING
        self.activating_account = account_id
        self.activation_nonce: str | None = activation_nonce
        self.proposed_email: str | None = None
        self.email: str | None = None
        self.password_hash: str | None = None
        self.terms_version: str | None = None
        self.verification: Verification | None = None
        self.accounts: list[UUID] = []
        self.default_account: UUID | None = None
        self.merged_into: UUID | None = None

    # -- activation ---------------------------------------------------------

    def _require_activating(self) -> None:
        if self.status == ACTIVE:
            raise AlreadyActivated(str(self.id))
        if self.status != ACTIVATING:
            raise StepOutOfOrder(f"activation is {self.status}")

    def resume_activation(self, activation_nonce: str) -> None:
        """The provisional credentials were given again: a new activation token
        supersedes the earlier one, the steps already done are kept."""
        self._require_activating()
        self._activation_resumed(activation_nonce)

    @event("ActivationResumed")
    def _activation_resumed(self, activation_nonce: str) -> None:
        self.activation_nonce = activation_nonce

    def propose_email(self, email: str) -> None:
        """Choose the address that will become the login; a link already sent
        to another address stops working."""
        self._require_activating()
        if email != self.proposed_email:
            self._email_proposed(email)

    @event("EmailProposed")
    def _email_proposed(self, email: str) -> None:
        self.proposed_email = email
        self.verification = None

    def set_password(self, password_hash: str) -> None:
        """Record the personal password (its argon2id hash) once an email is chosen."""
        self._require_activating()
        if self.proposed_email is None:
            raise StepOutOfOrder("an email must be proposed first")
        self._password_set(password_hash)

    @event("PasswordSet")
    def _password_set(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def accept_terms(self, version: str) -> None:
        """Record the acceptance of the CGU and privacy policy of a version."""
        if self.status not in (ACTIVATING, ACTIVE):
            raise StepOutOfOrder(f"identity is {self.status}")
        if version != self.terms_version:
            self._terms_accepted(version)

    @event("TermsAccepted")
    def _terms_accepted(self, version: str) -> None:
        self.terms_version = version

    def request_email_verification(self, nonce: str, expires_at: datetime) -> None:
        """Send (or send again) the verification link; the newest link supersedes
        every earlier one."""
        self._require_activating()
        if self.proposed_email is None or self.password_hash is None:
            raise StepOutOfOrder("email and password come before verification")
        if self.terms_version is None:
            raise StepOutOfOrder("the terms must be accepted before verification")
        self._verification_requested(self.proposed_email, nonce, expires_at)

    @event("EmailVerificationRequested")
    def _verification_requested(
        self, email: str, nonce: str, expires_at: datetime
    ) -> None:
        self.verification = Verification(email, nonce, expires_at)

    def verify_email(self, nonce: str, now: datetime) -> None:
        """Prove the address: the account becomes active with its first contract."""
        if self.status != ACTIVATING:
            raise InvalidToken("no activation in progress")
        if self.verification is None or not self.verification.matches(nonce, now):
            raise InvalidToken("unknown, superseded or expired link")
        self._email_verified(self.verification.email)
        self._account_linked(self.activating_account)

    @event("EmailVerified")
    def _email_verified(self, email: str) -> None:
        self.status = ACTIVE
        self.email = email
        self.verification = None
        self.activation_nonce = None

    def reset_activation(self) -> None:
        """Abandon this activation: every link dies, the contract is let go and
        the provisional credentials start a new activation."""
        self._require_activating()
        self._activation_reset()

    @event("ActivationReset")
    def _activation_reset(self) -> None:
        self.status = RESET
        self.verification = None
        self.activation_nonce = None

    def rehash_password(self, password_hash: str) -> None:
        """The same password under stronger hashing parameters (at login)."""
        if self.status != ACTIVE:
            raise StepOutOfOrder(f"identity is {self.status}")
        self._password_rehashed(password_hash)

    @event("PasswordRehashed")
    def _password_rehashed(self, password_hash: str) -> None:
        self.password_hash = password_hash

    # -- linked accounts ------------------------------------------------------

    @event("AccountLinked")
    def _account_linked(self, account_id: UUID) -> None:
        self.accounts.append(account_id)
        if self.default_account is None:
            self.default_account = account_id


class Verification:
    """The one emailed verification link that currently works."""

    def __init__(self, email: str, nonce: str, expires_at: datetime) -> None:
        self.email = email
        self.nonce = nonce
        self.expires_at = expires_at

    def matches(self, nonce: str, now: datetime) -> bool:
        return nonce == self.nonce and now < self.expires_at
