"""The outbox as a projection: committed events decide which mails go out.

A mail row is written with the tracking position in one transaction, its id
derived from the event (aggregate id, version, kind), so a crash between
commit and send loses no mail and a replay writes none twice. The mail
carries no link in clear: the sender derives it from the event's nonce with
SECRET_KEY. Notices go to the address the identity had when the event
happened, found by replaying the identity up to that event. A sign-in that
ended (``ClientSignIn.SignedOut``) becomes a back-channel logout row for its
client, delivered by the same worker with the same retries.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import singledispatchmethod
from typing import Any
from uuid import UUID

from adapters.database import Tx
from application.backchannel_logout import KIND as BACKCHANNEL_LOGOUT
from application.backchannel_logout import Notice
from application.erasure import ERASURE_NOTICE
from domain.client_sign_in import ClientSignIn
from domain.erasure_notice import ErasureNotice
from domain.identity import Identity
from domain.staff import StaffMember
from projections.follower import Projection

IdentityAt = Callable[[UUID, int], Identity]
LogoutNotice = Callable[[UUID, int], Notice | None]
ContractLabel = Callable[[str], str]
SELF_ADDRESSED = (Identity.EmailChanged, ErasureNotice.Requested)  # the event itself names the address
# A change to how the person signs in, each behind a proven secret: the notice lets them act if it was not them.
SECURITY_CHANGES = {
    Identity.PasskeyRegistered: "passkey_added", Identity.PasskeyRemoved: "passkey_removed",
    Identity.TwoStepConfirmed: "two_step_on", Identity.TwoStepDisabled: "two_step_off",
}
NOTICES = (
    Identity.PasswordResetRequested, Identity.EmailChangeRequested, Identity.PasswordChanged,
    Identity.PasswordReset, Identity.AccountLinked, Identity.NewDeviceSignedIn, *SECURITY_CHANGES, *SELF_ADDRESSED,
)
# Replayed before the lock: for a notice's address, and for the contract whose agency signs a person's mail.
REPLAYED = (*(n for n in NOTICES if n not in SELF_ADDRESSED), Identity.EmailVerificationRequested)
TO_CLIENTS = (ClientSignIn.SignedOut,)  # back-channel logouts: POSTs to a client, never a person's mailbox
# Sent by an operator's command on the server (``sesame staff add --email``): no public route asks for them.
FROM_OPERATORS = (StaffMember.Invited,)


class OutboxProjection(Projection):
    name = "outbox"
    migrations = "outbox"
    tables = ()  # never cleared: a rebuild must not send every mail again

    def __init__(
        self, identity_at: IdentityAt, on_commit: Callable[[], None] = lambda: None,
        logout_notice: LogoutNotice = lambda sign_in_id, version: None, contract_label: ContractLabel = str,
    ) -> None:
        self._identity_at = identity_at
        self.on_commit = on_commit
        self._logout_notice = logout_notice
        self._contract_label = contract_label  # how the person knows a contract, for the notice naming it
        self._states: dict[tuple[UUID, int], Identity] = {}
        self._notices: dict[tuple[UUID, int], Notice | None] = {}
        self._labels: dict[str, str] = {}

    def prepare(self, events: list[Any]) -> None:
        """Replay, before the lock, the identities the batch's notices address."""
        self._states, self._notices, self._labels = {}, {}, {}
        for event in events:
            if isinstance(event, REPLAYED):
                for version in (event.originator_version - 1, event.originator_version):
                    self.identity_at(event.originator_id, version)
            if isinstance(event, Identity.AccountLinked):
                self._labels[str(event.account_id)] = self._contract_label(str(event.account_id))
            elif isinstance(event, TO_CLIENTS):
                key = (event.originator_id, event.originator_version)
                self._notices[key] = self._logout_notice(*key)

    def identity_at(self, identity_id: UUID, version: int) -> Identity:
        key = (identity_id, version)
        if key not in self._states:
            self._states[key] = self._identity_at(identity_id, version)
        return self._states[key]

    def committed(self) -> None:
        self.on_commit()

    def forget(self, tx: Tx, identity_id: str) -> None:
        """The person's queued mail goes unsent: it holds their address."""
        tx.execute("DELETE FROM outbox WHERE identity_id = :id", {"id": identity_id})

    def _address_at(self, event: Any) -> str:
        return self.identity_at(event.originator_id, event.originator_version).email or ""

    @singledispatchmethod
    def apply(self, event: Any, position: int, tx: Tx) -> None:
        """Events that send no mail."""

    @apply.register
    def _(self, event: Identity.EmailVerificationRequested, position: int, tx: Tx) -> None:
        self._queue(event, tx, "verify_email", event.email, nonce=event.nonce)

    @apply.register
    def _(self, event: Identity.PasswordResetRequested, position: int, tx: Tx) -> None:
        self._queue(event, tx, "reset_password", self._address_at(event), nonce=event.nonce)

    @apply.register
    def _(self, event: Identity.EmailChangeRequested, position: int, tx: Tx) -> None:
        self._queue(event, tx, "confirm_email", event.new_email, nonce=event.nonce)
        self._queue(event, tx, "email_change_notice", self._address_at(event), new_email=event.new_email)

    @apply.register
    def _(self, event: Identity.PasswordChanged, position: int, tx: Tx) -> None:
        self._queue(event, tx, "password_changed_notice", self._address_at(event))

    @apply.register
    def _(self, event: Identity.PasswordReset, position: int, tx: Tx) -> None:
        self._queue(event, tx, "password_reset_notice", self._address_at(event))

    @apply.register
    def _(self, event: Identity.AccountLinked, position: int, tx: Tx) -> None:
        before = self.identity_at(event.originator_id, event.originator_version - 1)
        if before.accounts:  # the first contract is announced by the activation itself
            account_id = str(event.account_id)
            self._queue(
                event, tx, "account_linked_notice", self._address_at(event),
                account_id=account_id, contract=self._labels.get(account_id, ""),
            )

    @apply.register
    def _(self, event: Identity.EmailChanged, position: int, tx: Tx) -> None:
        """The old address learns its account moved: if the person did not ask, they can act."""
        self._queue(event, tx, "email_changed_notice", event.old_email, new_email=event.new_email)

    @apply.register
    def _(self, event: Identity.NewDeviceSignedIn, position: int, tx: Tx) -> None:
        self._queue(
            event, tx, "new_device_notice", self._address_at(event),
            device=event.device, ip=event.ip, at=event.timestamp.isoformat(),
        )

    @apply.register
    def _(
        self,
        event: Identity.PasskeyRegistered | Identity.PasskeyRemoved | Identity.TwoStepConfirmed
        | Identity.TwoStepDisabled,
        position: int, tx: Tx,
    ) -> None:
        at = event.timestamp.isoformat()
        self._queue(event, tx, "security_notice", self._address_at(event), change=SECURITY_CHANGES[type(event)], at=at)

    @apply.register
    def _(self, event: StaffMember.Invited, position: int, tx: Tx) -> None:
        expires_at = event.expires_at.isoformat()
        self._queue(event, tx, "staff_invitation", event.email, nonce=event.nonce, expires_at=expires_at)

    @apply.register
    def _(self, event: ErasureNotice.Requested, position: int, tx: Tx) -> None:
        """The row is the notice's (its id as subject), so the purge of the
        person leaves it; retention forgets it once sent."""
        self._queue(event, tx, ERASURE_NOTICE, event.email, reason=event.reason)

    @apply.register
    def _(self, event: ClientSignIn.SignedOut, position: int, tx: Tx) -> None:
        notice = self._notices.get((event.originator_id, event.originator_version))
        if notice is not None:  # the row is the sign-in's, not the person's: an erasure keeps it
            self._queue(event, tx, BACKCHANNEL_LOGOUT, notice.uri, **notice.payload())

    def _contract_at(self, event: Any) -> str:
        """The contract whose agency signs a person's mail (its name, logo and
        colour): the one the mail is about, else the person's default one, else
        the one being activated."""
        state = self.identity_at(event.originator_id, event.originator_version)
        return str(state.default_account or state.activating_account or "")

    def _queue(self, event: Any, tx: Tx, kind: str, recipient: str, **payload: Any) -> None:
        at = event.timestamp.isoformat()
        if isinstance(event, REPLAYED):
            payload.setdefault("account_id", self._contract_at(event))
        tx.execute(
            "INSERT INTO outbox (mail_id, identity_id, kind, recipient, payload, status, created_at, next_attempt_at) "
            "VALUES (:id, :identity, :kind, :to, :payload, 'pending', :at, :at) ON CONFLICT (mail_id) DO NOTHING",
            {
                "id": f"{event.originator_id}.{event.originator_version}.{kind}", "identity": str(event.originator_id),
                "kind": kind, "to": recipient, "payload": json.dumps(payload), "at": at,
            },
        )
