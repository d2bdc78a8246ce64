"""What support may do for a person who cannot log in (issue 15), each behind a reason.

Three actions, none of which shows or sets a password: send the verification
link again, send a reset link to the current address, end every session.
Each records ``StaffActionTaken`` (the member's id, name, role and the reason
they typed) in the same write as what it changes, so the person's history
says who acted and why. Auditors only read; an agency's staff act only on the
people they can see (``projections/agency_scope.py``, through the support
read model). Mails go through the mail limits of their subject like the
person's own requests (``Throttle.mail``); sessions end through the one
sign-out cascade, so single sign-on clients are told by back-channel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from uuid import UUID

from application.directory import Directory
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.mail_requests import MailSpent
from application.password_reset import RESET_TTL
from application.ports import Clock, ReadModels
from application.sign_outs import SignOuts
from application.staff import Staff
from application.throttle import Throttle
from domain.errors import DomainError
from domain.identity import ACTIVATING, ACTIVE, REASON_LENGTH, Identity, ReasonRequired, staff_reason
from domain.staff import StaffMember

ACTING_ROLES = ("support", "agency")
SIGN_OUT_REASON = "support"  # the sign-ins' SignedOut reason
Step = Callable[[Identity, str, datetime], None]  # what an action writes after its record


def reason_refused() -> Refused:
    low, high = REASON_LENGTH
    return Refused(
        "invalid_request", f"Indiquez la raison de cette action ({low} à {high} caractères).", field="reason"
    )


class SupportActions:
    def __init__(
        self,
        directory: Directory,
        read_models: ReadModels,
        throttle: Throttle,
        clock: Clock,
        sign_outs: SignOuts,
        verification_ttl: timedelta,
    ) -> None:
        self.directory = directory
        self.store = directory.store
        self.keys = directory.keys
        self.read_models = read_models
        self.throttle = throttle
        self.clock = clock
        self.sign_outs = sign_outs
        self.verification_ttl = verification_ttl

    def _person(self, member: StaffMember, identity_id: UUID, reason: object) -> tuple[Identity, str]:
        """The person ``member`` may act on, and the reason in one line; refusals
        in the order a member can fix them: role, then scope, then reason."""
        if member.role not in ACTING_ROLES:
            raise Refused("forbidden", "Votre rôle permet de consulter, pas d'agir sur un compte.")
        identity = self.directory.identity(identity_id)
        visible = self.read_models.support_profile(identity_id, Staff.scope(member)) is not None
        if identity is None or not visible:
            raise Refused("not_found", "Aucune identité visible sous cet identifiant.")
        try:
            return identity, staff_reason(reason)
        except ReasonRequired as error:
            raise reason_refused() from error

    def resend_verification(self, member: StaffMember, identity_id: UUID, reason: object) -> str:
        """A new verification link to the address the activation chose; the
        earlier link stops working. Answers the address it goes to."""
        identity, text = self._person(member, identity_id, reason)
        if identity.status != ACTIVATING or identity.password_hash is None or identity.terms_version is None:
            raise Refused(
                "step_out_of_order",
                "Aucune adresse n'attend de vérification : "
                "la personne doit d'abord choisir son adresse et son mot de passe."
                if identity.status == ACTIVATING
                else "Ce compte n'a pas d'activation en cours : rien à vérifier.",
            )
        mail = self.throttle.mail(*self.throttle.resends(identity.id), origin=None)
        ttl = self.verification_ttl
        self._record(
            member,
            identity.id,
            "resend_verification",
            text,
            mail,
            lambda i, nonce, now: i.request_email_verification(nonce, now + ttl),
        )
        return identity.proposed_email or ""

    def send_reset_link(self, member: StaffMember, identity_id: UUID, reason: object) -> str:
        """A reset link to the account's current login address (the one place
        it may go), counted on the account's reset limit. Answers that address."""
        identity, text = self._person(member, identity_id, reason)
        if identity.status != ACTIVE or not identity.email:
            raise Refused(
                "step_out_of_order", "Ce compte n'est pas activé : un lien de réinitialisation ne servirait à rien."
            )
        mail = self.throttle.mail(*self.throttle.reset_requests(normalize_email(identity.email)), origin=None)
        self._record(
            member,
            identity.id,
            "password_reset_link",
            text,
            mail,
            lambda i, nonce, now: i.request_password_reset(nonce, now + RESET_TTL),
        )
        return identity.email

    def end_sessions(self, member: StaffMember, identity_id: UUID, reason: object) -> None:
        """Every session of the person ends, and every application sign-in made
        in them (each client told by back-channel). The reason is recorded first:
        a cascade cut short still leaves who asked for it."""
        identity, text = self._person(member, identity_id, reason)
        self._record(member, identity.id, "end_sessions", text, None, lambda i, nonce, now: None)
        self.sign_outs.remove_all(identity.id, keep=None, reason=SIGN_OUT_REASON)

    @retrying()
    def _record(
        self,
        member: StaffMember,
        identity_id: UUID,
        action: str,
        reason: str,
        mail: MailSpent | None,
        then: Step,
    ) -> None:
        """The member's record and what the action writes (``then``: the
        identity, a fresh nonce, the time), in one write."""
        identity = self._found(identity_id)
        try:
            identity.note_staff_action(member.id, member.name, member.role, action, reason)
            then(identity, self.keys.nonce(), self.clock.now())
        except DomainError as error:
            raise Refused("step_out_of_order", "Ce compte vient de changer : rechargez la page.") from error
        self.store.commit(identity, mail=mail)

    def _found(self, identity_id: UUID) -> Identity:
        identity = self.directory.identity(identity_id)
        if identity is None:
            raise Refused("not_found", "Aucune identité visible sous cet identifiant.")
        return identity
