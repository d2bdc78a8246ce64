"""Staff members: support, auditors and agencies' own staff, each with a role.

A staff member's API token is a keyed derivation of the nonce recorded here
(the application holds the key): the store alone can forge no token, and a new
token revokes the old one.

A member of the console is invited by email: the invitation is a link derived
from a nonce recorded here, like a person's emailed links; it serves once (it
sets the password) and expires. Two-step sign-in (``domain.two_step``: each
time step once, each recovery code once) must then be in force before any
console page opens, and cannot be turned off. A disabled member can do nothing
any more: no sign-in, no token, no invitation; the application ends their
sessions in the same breath.
"""

from __future__ import annotations

from datetime import datetime

from eventsourcing.domain import Aggregate, event

from domain.agency_codes import same_agency
from domain.errors import DomainError, InvalidCode, InvalidToken, StepOutOfOrder
from domain.identity import Link
from domain.two_step import TwoStep

ROLES = ("support", "auditor", "agency")


class InvalidStaff(DomainError):
    code = "invalid_request"


class StaffDisabled(DomainError):
    """Nothing is allowed to a disabled member."""

    code = "staff_disabled"


class StaffMember(Aggregate):
    class Added(Aggregate.Created):
        name: str
        role: str
        client_code: str
        company_code: str
        token_nonce: str | None  # None for a member invited to the console: no API token

    @event(Added)
    def __init__(self, name: str, role: str, client_code: str, company_code: str, token_nonce: str | None) -> None:
        if role not in ROLES:
            raise InvalidStaff(f"rôle inconnu « {role} » (support, auditor, agency)")
        if (role == "agency") != bool(client_code and company_code):
            raise InvalidStaff("le rôle agency, et lui seul, demande --agency CLIENT/SOCIETE")
        self.name = name
        self.role = role
        self.client_code = client_code
        self.company_code = company_code
        self.token_nonce: str | None = token_nonce
        self.email: str | None = None
        self.invitation: Link | None = None
        self.password_hash: str | None = None
        self.two_step: TwoStep | None = None
        self.disabled = False

    def sees_agency(self, client_code: str, company_code: str) -> bool:
        """Agency staff see only their own codes (in any case); support and auditors see all."""
        return self.role != "agency" or same_agency((self.client_code, self.company_code), client_code, company_code)

    def _require_enabled(self) -> None:
        if self.disabled:
            raise StaffDisabled(str(self.id))

    class TokenRenewed(Aggregate.Event):
        token_nonce: str

    @event(TokenRenewed)
    def renew_token(self, token_nonce: str) -> None:
        self.token_nonce = token_nonce

    # -- the console: invitation, password, two-step sign-in ----------------------

    @property
    def two_step_on(self) -> bool:
        return self.two_step is not None and self.two_step.on

    @property
    def may_enter_console(self) -> bool:
        """Enabled, with a password and two-step sign-in in force: every console page asks this."""
        return not self.disabled and self.password_hash is not None and self.two_step_on

    class Invited(Aggregate.Event):
        email: str
        nonce: str
        expires_at: datetime

    def invite(self, email: str, nonce: str, expires_at: datetime) -> None:
        """Mail the member a link to choose a password; a newer invitation
        supersedes the earlier one. Only before the password is chosen."""
        self._require_enabled()
        if self.password_hash is not None:
            raise StepOutOfOrder("the invitation was already accepted")
        self._invited(email, nonce, expires_at)

    @event(Invited)
    def _invited(self, email: str, nonce: str, expires_at: datetime) -> None:
        self.email = email
        self.invitation = Link(email, nonce, expires_at)

    def invitation_open(self, nonce: str, now: datetime) -> bool:
        """Whether the invitation of ``nonce`` still works (looking never uses it)."""
        return not self.disabled and self.invitation is not None and self.invitation.matches(nonce, now)

    class PasswordSet(Aggregate.Event):
        password_hash: str

    def accept_invitation(self, nonce: str, now: datetime, password_hash: str) -> None:
        """The invitation's one use: the member's password (its argon2id hash)."""
        self._require_enabled()
        if not self.invitation_open(nonce, now):
            raise InvalidToken("unknown, used, superseded or expired invitation")
        self._password_set(password_hash)

    @event(PasswordSet)
    def _password_set(self, password_hash: str) -> None:
        self.password_hash = password_hash
        self.invitation = None

    class PasswordRehashed(Aggregate.Event):
        password_hash: str

    def rehash_password(self, password_hash: str) -> None:
        """The same password under stronger hashing parameters (at sign-in)."""
        self._require_enabled()
        if not self.password_hash:
            raise StepOutOfOrder("no password to rehash")
        self._password_rehashed(password_hash)

    @event(PasswordRehashed)
    def _password_rehashed(self, password_hash: str) -> None:
        self.password_hash = password_hash

    class TwoStepEnrolled(Aggregate.Event):
        totp_secret: str

    def enrol_two_step(self, totp_secret: str) -> None:
        """A new secret, in force once a first code confirms it; only after the
        password, and never once two-step sign-in is on (staff keep it on)."""
        self._require_enabled()
        if self.password_hash is None:
            raise StepOutOfOrder("the password comes before two-step sign-in")
        if self.two_step_on:
            raise StepOutOfOrder("two-step sign-in is already on")
        self._two_step_enrolled(totp_secret)

    @event(TwoStepEnrolled)
    def _two_step_enrolled(self, totp_secret: str) -> None:
        self.two_step = TwoStep(totp_secret)

    class TwoStepConfirmed(Aggregate.Event):
        time_step: int
        recovery_digests: list[str]

    def confirm_two_step(self, time_step: int, recovery_digests: list[str]) -> None:
        """The first code matched the pending secret: two-step sign-in is on,
        with the recovery codes' keyed digests."""
        self._require_enabled()
        if self.two_step is None or self.two_step.on:
            raise StepOutOfOrder("no two-step secret waits for its first code")
        self._two_step_confirmed(time_step, recovery_digests)

    @event(TwoStepConfirmed)
    def _two_step_confirmed(self, time_step: int, recovery_digests: list[str]) -> None:
        two_step = self._two_step()
        two_step.on = True
        two_step.last_step = time_step
        two_step.recovery = set(recovery_digests)

    class TwoStepCodeAccepted(Aggregate.Event):
        time_step: int

    class RecoveryCodeUsed(Aggregate.Event):
        recovery_digest: str

    def use_two_step_code(self, code: int | str) -> None:
        """A sign-in's code: a TOTP time step (later than the last one used) or a
        recovery code's digest (once ever)."""
        self._require_enabled()
        if self.two_step is None or not self.two_step.on:
            raise InvalidCode("two-step sign-in is not on")
        if isinstance(code, int):
            self.two_step.check_step(code)
            self._code_accepted(code)
        else:
            self.two_step.check_recovery(code)
            self._recovery_used(code)

    @event(TwoStepCodeAccepted)
    def _code_accepted(self, time_step: int) -> None:
        self._two_step().last_step = time_step

    @event(RecoveryCodeUsed)
    def _recovery_used(self, recovery_digest: str) -> None:
        self._two_step().recovery.discard(recovery_digest)

    def _two_step(self) -> TwoStep:
        """The two-step state an event applies to (its command checked it is there)."""
        if self.two_step is None:
            raise RuntimeError("broken invariant: self.two_step is None")
        return self.two_step

    class Disabled(Aggregate.Event):
        pass

    def disable(self) -> None:
        """No more sign-in, API token or invitation; disabling twice changes nothing."""
        if not self.disabled:
            self._disabled()

    @event(Disabled)
    def _disabled(self) -> None:
        self.disabled = True
        self.token_nonce = None
        self.invitation = None
