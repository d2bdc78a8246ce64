"""Identity: a person's path from provisional credentials to a personal account.

The event stream is the person's history as support and auditors replay it:
ActivationStarted, EmailProposed, PasswordSet, TermsAccepted,
EmailVerificationRequested, EmailVerified, AccountLinked, ... Secrets never
enter it in clear: the password arrives as an argon2id hash, and emailed links
are keyed derivations of a random nonce recorded here (the application holds
the key), so the store alone can forge no link.

Every pending link of a person dies when the password changes or is reset,
when the email changes, and at erasure (``_end_links``): a person who takes
their account back evicts whoever held a link asked for before.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    AlreadyActivated,
    AlreadyLinked,
    DomainError,
    InvalidCode,
    InvalidToken,
    NotLinked,
    StepOutOfOrder,
)
from domain.passkeys import MAX_PASSKEYS, Passkey, PasskeyRefused, TooManyPasskeys, passkey_name
from domain.two_step import TwoStep

ACTIVATING, ACTIVE, MERGED, RESET, ERASED = "activating", "active", "merged", "reset", "erased"
STAFF_ACTIONS = ("resend_verification", "password_reset_link", "end_sessions")
REASON_LENGTH = (5, 500)  # a staff member's reason, in characters


class ReasonRequired(DomainError):
    code = "invalid_request"


def staff_reason(typed: object) -> str:
    """The reason a staff member typed, on one line; ``ReasonRequired`` when
    it is missing, too short to say anything, or too long."""
    reason = " ".join(typed.split()) if isinstance(typed, str) else ""
    if not REASON_LENGTH[0] <= len(reason) <= REASON_LENGTH[1]:
        raise ReasonRequired(f"a reason of {REASON_LENGTH[0]} to {REASON_LENGTH[1]} characters is required")
    return reason


class Identity(Aggregate):
    """One person; several agency contracts may end up linked to it."""

    class ActivationStarted(Aggregate.Created):
        account_id: UUID
        activation_nonce: str

    @event(ActivationStarted)
    def __init__(self, account_id: UUID, activation_nonce: str) -> None:
        self.status = ACTIVATING
        self.activating_account = account_id
        self.activation_nonce: str | None = activation_nonce
        self.verified_activation_nonce: str | None = None  # the activation that ended verified, to tell its browser so
        self.proposed_email: str | None = None
        self.email: str | None = None
        self.password_hash: str | None = None
        self.terms_version: str | None = None
        self.verification: Link | None = None
        self.accounts: list[UUID] = []
        self.default_account: UUID | None = None
        self.merged_into: UUID | None = None
        self.password_reset: Link | None = None
        self.email_change: Link | None = None
        self.known_devices: set[str] = set()  # keyed digests of the devices signed in from
        self.two_step: TwoStep | None = None
        self.two_step_challenge: Link | None = None
        self.passkeys: dict[str, Passkey] = {}  # by their public id

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

    class ActivationResumed(Aggregate.Event):
        activation_nonce: str

    @event(ActivationResumed)
    def _activation_resumed(self, activation_nonce: str) -> None:
        self.activation_nonce = activation_nonce

    def propose_email(self, email: str) -> None:
        """Choose the address that will become the login; a link already sent
        to another address stops working."""
        self._require_activating()
        if email != self.proposed_email:
            self._email_proposed(email)

    class EmailProposed(Aggregate.Event):
        email: str

    @event(EmailProposed)
    def _email_proposed(self, email: str) -> None:
        self.proposed_email = email
        self.verification = None

    def set_password(self, password_hash: str) -> None:
        """Record the personal password (its argon2id hash) once an email is chosen."""
        self._require_activating()
        if self.proposed_email is None:
            raise StepOutOfOrder("an email must be proposed first")
        self._password_set(password_hash)

    class PasswordSet(Aggregate.Event):
        password_hash: str

    @event(PasswordSet)
    def _password_set(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def accept_terms(self, version: str) -> None:
        """Record the acceptance of the CGU and privacy policy of a version."""
        if self.status not in (ACTIVATING, ACTIVE):
            raise StepOutOfOrder(f"identity is {self.status}")
        if version != self.terms_version:
            self._terms_accepted(version)

    class TermsAccepted(Aggregate.Event):
        version: str

    @event(TermsAccepted)
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

    class EmailVerificationRequested(Aggregate.Event):
        email: str
        nonce: str
        expires_at: datetime

    @event(EmailVerificationRequested)
    def _verification_requested(
        self, email: str, nonce: str, expires_at: datetime
    ) -> None:
        self.verification = Link(email, nonce, expires_at)

    def verify_email(self, nonce: str, now: datetime) -> None:
        """Prove the address: the account becomes active with its first contract."""
        if self.status != ACTIVATING:
            raise InvalidToken("no activation in progress")
        if self.verification is None or not self.verification.matches(nonce, now):
            raise InvalidToken("unknown, superseded or expired link")
        self._email_verified(self.verification.email)
        self._account_linked(self.activating_account)

    class EmailVerified(Aggregate.Event):
        email: str

    @event(EmailVerified)
    def _email_verified(self, email: str) -> None:
        self.status = ACTIVE
        self.email = email
        self.verification = None
        self.verified_activation_nonce = self.activation_nonce
        self.activation_nonce = None

    def reset_activation(self) -> None:
        """Abandon this activation: every link dies, the contract is let go and
        the provisional credentials start a new activation."""
        self._require_activating()
        self._activation_reset()

    class ActivationReset(Aggregate.Event):
        pass

    @event(ActivationReset)
    def _activation_reset(self) -> None:
        self.status = RESET
        self._end_links()
        self.activation_nonce = None

    def rehash_password(self, password_hash: str) -> None:
        """The same password under stronger hashing parameters (at login)."""
        if self.status != ACTIVE:
            raise StepOutOfOrder(f"identity is {self.status}")
        self._password_rehashed(password_hash)

    class PasswordRehashed(Aggregate.Event):
        password_hash: str

    @event(PasswordRehashed)
    def _password_rehashed(self, password_hash: str) -> None:
        self.password_hash = password_hash

    def merge_into(self, identity_id: UUID) -> None:
        """Fusion: this activation's contract joins an existing personal account."""
        self._require_activating()
        self._merged(identity_id)

    class MergedInto(Aggregate.Event):
        identity_id: UUID

    @event(MergedInto)
    def _merged(self, identity_id: UUID) -> None:
        self.status = MERGED
        self.merged_into = identity_id
        self._end_links()
        self.activation_nonce = None

    # -- the active account ---------------------------------------------------

    def _require_active(self) -> None:
        if self.status != ACTIVE:
            raise StepOutOfOrder(f"identity is {self.status}")

    def link_account(self, account_id: UUID) -> None:
        """Attach another agency contract (seed 001 §1.3, seed 004)."""
        self._require_active()
        if account_id in self.accounts:
            raise AlreadyLinked(str(account_id))
        self._account_linked(account_id)

    class AccountLinked(Aggregate.Event):
        account_id: UUID

    @event(AccountLinked)
    def _account_linked(self, account_id: UUID) -> None:
        self.accounts.append(account_id)
        if self.default_account is None:
            self.default_account = account_id

    def choose_default_account(self, account_id: UUID) -> None:
        """The contract shown first after login (seed 004, « Gérer mes comptes »)."""
        self._require_active()
        if account_id not in self.accounts:
            raise NotLinked(str(account_id))
        if account_id != self.default_account:
            self._default_chosen(account_id)

    class DefaultAccountChosen(Aggregate.Event):
        account_id: UUID

    @event(DefaultAccountChosen)
    def _default_chosen(self, account_id: UUID) -> None:
        self.default_account = account_id

    def change_password(self, password_hash: str) -> None:
        """A new password chosen by the person, who proved the current one."""
        self._require_active()
        self._password_changed(password_hash)

    class PasswordChanged(Aggregate.Event):
        password_hash: str

    @event(PasswordChanged)
    def _password_changed(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self._end_links()

    def request_password_reset(self, nonce: str, expires_at: datetime) -> None:
        """Send a reset link to the login email; the newest link supersedes the rest."""
        self._require_active()
        self._reset_requested(nonce, expires_at)

    class PasswordResetRequested(Aggregate.Event):
        nonce: str
        expires_at: datetime

    @event(PasswordResetRequested)
    def _reset_requested(self, nonce: str, expires_at: datetime) -> None:
        self.password_reset = Link(self.email or "", nonce, expires_at)

    def reset_password(self, nonce: str, password_hash: str, now: datetime) -> None:
        """The reset link, used once before it expires, sets a new password."""
        self._require_active()
        if self.password_reset is None or not self.password_reset.matches(nonce, now):
            raise InvalidToken("unknown, used or expired reset link")
        self._password_reset(password_hash)

    class PasswordReset(Aggregate.Event):
        password_hash: str

    @event(PasswordReset)
    def _password_reset(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self._end_links()

    def request_email_change(self, new_email: str, nonce: str, expires_at: datetime) -> None:
        """Ask to move the login to a new address, to be confirmed from it."""
        self._require_active()
        self._email_change_requested(new_email, nonce, expires_at)

    class EmailChangeRequested(Aggregate.Event):
        new_email: str
        nonce: str
        expires_at: datetime

    @event(EmailChangeRequested)
    def _email_change_requested(self, new_email: str, nonce: str, expires_at: datetime) -> None:
        self.email_change = Link(new_email, nonce, expires_at)

    class EmailChangeCancelled(Aggregate.Event):
        """The person withdrew the change of address they asked for: its link dies."""

    def cancel_email_change(self) -> None:
        """Withdraw the pending change of address; nothing to withdraw is a step out of order."""
        self._require_active()
        if self.email_change is None:
            raise StepOutOfOrder("no change of address is pending")
        self._email_change_cancelled()

    @event(EmailChangeCancelled)
    def _email_change_cancelled(self) -> None:
        self.email_change = None

    def change_email(self, nonce: str, now: datetime) -> str:
        """Confirmation from the new address: it becomes the login. Returns the old one."""
        self._require_active()
        if self.email_change is None or not self.email_change.matches(nonce, now):
            raise InvalidToken("unknown, used or expired email change link")
        old = self.email or ""
        self._email_changed(old, self.email_change.email)
        return old

    class EmailChanged(Aggregate.Event):
        old_email: str
        new_email: str

    @event(EmailChanged)
    def _email_changed(self, old_email: str, new_email: str) -> None:
        self.email = new_email
        self._end_links()

    # -- two-step sign-in (see domain.two_step) ----------------------------------

    @property
    def two_step_on(self) -> bool:
        return self.two_step is not None and self.two_step.on

    def enrol_two_step(self, totp_secret: str) -> None:
        """A new secret, not in force until its first code confirms it; a new
        enrolment supersedes one never confirmed."""
        self._require_active()
        if self.two_step_on:
            raise StepOutOfOrder("two-step sign-in is already on")
        self._two_step_enrolled(totp_secret)

    class TwoStepEnrolled(Aggregate.Event):
        totp_secret: str

    @event(TwoStepEnrolled)
    def _two_step_enrolled(self, totp_secret: str) -> None:
        self.two_step = TwoStep(totp_secret)

    def confirm_two_step(self, time_step: int, recovery_digests: list[str]) -> None:
        """The first code proves the authenticator holds the secret: two-step
        sign-in is on, with the recovery codes' keyed digests."""
        self._require_active()
        if self.two_step is None or self.two_step.on:
            raise InvalidCode("no enrolment waiting for its first code")
        self._two_step_confirmed(time_step, recovery_digests)

    class TwoStepConfirmed(Aggregate.Event):
        time_step: int
        recovery_digests: list[str]

    @event(TwoStepConfirmed)
    def _two_step_confirmed(self, time_step: int, recovery_digests: list[str]) -> None:
        if self.two_step is None:
            raise RuntimeError("broken invariant: self.two_step is None")
        self.two_step.on = True
        self.two_step.last_step = time_step
        self.two_step.recovery = set(recovery_digests)

    def _require_two_step(self) -> TwoStep:
        self._require_active()
        if self.two_step is None or not self.two_step.on:
            raise InvalidCode("two-step sign-in is off")
        return self.two_step

    def challenge_two_step(self, nonce: str, expires_at: datetime) -> None:
        """The password was right: the sign-in now waits for a code. The newest
        challenge supersedes the others; each is used once."""
        self._require_two_step()
        self._two_step_challenged(nonce, expires_at)

    class TwoStepChallenged(Aggregate.Event):
        nonce: str
        expires_at: datetime

    @event(TwoStepChallenged)
    def _two_step_challenged(self, nonce: str, expires_at: datetime) -> None:
        self.two_step_challenge = Link(self.email or "", nonce, expires_at)

    def use_two_step_code(self, code: int | str) -> None:
        """A TOTP code (its time step: later than the last one accepted) or a
        recovery code (its keyed digest: one not spent yet)."""
        two_step = self._require_two_step()
        if isinstance(code, int):
            two_step.check_step(code)
            self._two_step_code_accepted(code)
        else:
            two_step.check_recovery(code)
            self._recovery_code_used(code)

    class TwoStepCodeAccepted(Aggregate.Event):
        time_step: int

    @event(TwoStepCodeAccepted)
    def _two_step_code_accepted(self, time_step: int) -> None:
        if self.two_step is None:
            raise RuntimeError("broken invariant: self.two_step is None")
        self.two_step.last_step = time_step
        self.two_step_challenge = None

    class RecoveryCodeUsed(Aggregate.Event):
        recovery_digest: str

    @event(RecoveryCodeUsed)
    def _recovery_code_used(self, recovery_digest: str) -> None:
        if self.two_step is None:
            raise RuntimeError("broken invariant: self.two_step is None")
        self.two_step.recovery.discard(recovery_digest)
        self.two_step_challenge = None

    def pass_two_step(self, nonce: str, now: datetime, code: int | str) -> None:
        """The second step of a sign-in: its live challenge and a code."""
        self._require_two_step()
        if self.two_step_challenge is None or not self.two_step_challenge.matches(nonce, now):
            raise InvalidToken("unknown, used or expired challenge")
        self.use_two_step_code(code)

    def turn_off_two_step(self, code: int | str) -> None:
        """Off, behind a code (the password is the application's to prove)."""
        self.use_two_step_code(code)
        self._two_step_disabled()

    class TwoStepDisabled(Aggregate.Event):
        pass

    @event(TwoStepDisabled)
    def _two_step_disabled(self) -> None:
        self.two_step = None
        self.two_step_challenge = None

    # -- passkeys (see domain.passkeys) -----------------------------------------

    def register_passkey(
        self, passkey_id: str, credential_id: str, public_key: str, sign_count: int, name: str, now: datetime
    ) -> None:
        """A credential the person's authenticator created (its public key and
        counter), under a name of their choosing; each credential once."""
        self.may_add_passkey()
        if any(p.credential_id == credential_id for p in self.passkeys.values()):
            raise PasskeyRefused("this passkey is already registered")
        self._passkey_registered(passkey_id, credential_id, public_key, sign_count, passkey_name(name), now)

    def may_add_passkey(self) -> None:
        """An active account with fewer than ``MAX_PASSKEYS`` passkeys."""
        self._require_active()
        if len(self.passkeys) >= MAX_PASSKEYS:
            raise TooManyPasskeys(f"{MAX_PASSKEYS} passkeys at most")

    class PasskeyRegistered(Aggregate.Event):
        passkey_id: str
        credential_id: str
        public_key: str
        sign_count: int
        passkey_name: str
        registered_at: datetime

    @event(PasskeyRegistered)
    def _passkey_registered(
        self, passkey_id: str, credential_id: str, public_key: str, sign_count: int, passkey_name: str,
        registered_at: datetime,
    ) -> None:
        self.passkeys[passkey_id] = Passkey(
            passkey_id, credential_id, public_key, sign_count, passkey_name, registered_at
        )

    def passkey(self, credential_id: str) -> Passkey:
        """The person's passkey with this credential id, else ``PasskeyRefused``."""
        found = next((p for p in self.passkeys.values() if p.credential_id == credential_id), None)
        if found is None:
            raise PasskeyRefused("no such passkey")
        return found

    def use_passkey(self, credential_id: str, sign_count: int, now: datetime) -> None:
        """A sign-in with a passkey whose signature the application verified:
        refused when its counter went back (a cloned authenticator)."""
        self._require_active()
        passkey = self.passkey(credential_id)
        passkey.check_sign_count(sign_count)
        self._passkey_used(passkey.passkey_id, passkey.name, sign_count, now)

    class PasskeyUsed(Aggregate.Event):
        passkey_id: str
        passkey_name: str
        sign_count: int
        used_at: datetime

    @event(PasskeyUsed)
    def _passkey_used(self, passkey_id: str, passkey_name: str, sign_count: int, used_at: datetime) -> None:
        passkey = self.passkeys[passkey_id]
        passkey.sign_count = sign_count
        passkey.last_used_at = used_at

    def remove_passkey(self, passkey_id: str) -> Passkey:
        """The person removes one of their passkeys (the application proved the
        password); returns it, whose credential claim the application releases."""
        self._require_active()
        passkey = self.passkeys.get(passkey_id)
        if passkey is None:
            raise PasskeyRefused("no such passkey")
        self._passkey_removed(passkey_id, passkey.name)
        return passkey

    class PasskeyRemoved(Aggregate.Event):
        passkey_id: str
        passkey_name: str

    @event(PasskeyRemoved)
    def _passkey_removed(self, passkey_id: str, passkey_name: str) -> None:
        del self.passkeys[passkey_id]

    # -- erasure ----------------------------------------------------------------

    def erase(self, reason: str) -> None:
        """GDPR erasure: the history stays, the personal data goes with the key.

        ``reason`` says who asked: the person, an operator, or retention."""
        if self.status == ERASED:
            raise StepOutOfOrder("already erased")
        self._erased(reason)

    class Erased(Aggregate.Event):
        reason: str

    @event(Erased)
    def _erased(self, reason: str) -> None:
        self.status = ERASED
        self.email = self.proposed_email = self.password_hash = None
        self._end_links()
        self.activation_nonce = None
        self.accounts = []
        self.default_account = None
        self.two_step = None
        self.passkeys = {}

    # -- devices and sessions ------------------------------------------------

    def sign_in_from(self, device_digest: str, device: str, ip: str) -> bool:
        """A successful sign-in from a device (a keyed digest of what identifies
        it). The very first sign-in only remembers its device (there is nothing
        to compare it with, and it follows the person's own activation); a later
        one from a device never used is recorded so that the outbox tells the
        person. Answers whether it was such a new device."""
        self._require_active()
        if device_digest in self.known_devices:
            return False
        if not self.known_devices:
            self._first_device_signed_in(device_digest, device, ip)
            return False
        self._new_device_signed_in(device_digest, device, ip)
        return True

    class FirstDeviceSignedIn(Aggregate.Event):
        device_digest: str
        device: str
        ip: str

    @event(FirstDeviceSignedIn)
    def _first_device_signed_in(self, device_digest: str, device: str, ip: str) -> None:
        self.known_devices.add(device_digest)

    class NewDeviceSignedIn(Aggregate.Event):
        device_digest: str
        device: str
        ip: str

    @event(NewDeviceSignedIn)
    def _new_device_signed_in(self, device_digest: str, device: str, ip: str) -> None:
        self.known_devices.add(device_digest)

    def end_sessions(self, devices: str) -> None:
        """The person ended sessions of theirs from another one (``devices`` in words)."""
        self._require_active()
        self._sessions_ended(devices)

    class SessionsEnded(Aggregate.Event):
        devices: str

    @event(SessionsEnded)
    def _sessions_ended(self, devices: str) -> None:
        """Only history: the sessions are a table, not a stream."""

    # -- staff support actions ---------------------------------------------------

    class StaffActionTaken(Aggregate.Event):
        """A staff member acted on the person's account, for the reason they
        typed (``typed_reason``: a personal field, sealed and shredded with the rest)."""

        staff_id: UUID
        staff_name: str
        role: str
        action: str
        typed_reason: str

    def note_staff_action(self, staff_id: UUID, staff_name: str, role: str, action: str, typed_reason: str) -> None:
        """Record who among the staff acts, and why, in the same write as what
        the action changes: no support action without its reason."""
        reason = staff_reason(typed_reason)
        if action not in STAFF_ACTIONS:
            raise StepOutOfOrder(f"unknown staff action {action}")
        if self.status == ERASED:
            raise StepOutOfOrder("identity is erased")
        self._staff_action_taken(staff_id, staff_name, role, action, reason)

    @event(StaffActionTaken)
    def _staff_action_taken(self, staff_id: UUID, staff_name: str, role: str, action: str, typed_reason: str) -> None:
        """Only history: the action's own events follow in the same write."""

    def _end_links(self) -> None:
        """Every emailed link still pending dies, whatever its kind (any
        attribute holding a ``Link``), so a new kind of link cannot be missed."""
        for name, value in list(vars(self).items()):
            if isinstance(value, Link):
                setattr(self, name, None)


class Link:
    """The one emailed link of a kind that currently works, and its address."""

    def __init__(self, email: str, nonce: str, expires_at: datetime) -> None:
        self.email = email
        self.nonce = nonce
        self.expires_at = expires_at

    def matches(self, nonce: str, now: datetime) -> bool:
        return nonce == self.nonce and now < self.expires_at
