"""Staff members and their API tokens; every staff call checks role and scope.

A member added with an email is invited to the console instead of getting a
token: the invitation mail goes through the outbox (``StaffMember.Invited``).
The email is personal data (sealed in the event with the member's key) and
belongs to one member only: a ``UniqueClaim`` of its keyed digest is written
in the same commit, so two invitations racing for one address cannot both
win. Disabling a member ends their console sessions and API token at once,
and lets the address go.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from application.access_records import Scoped
from application.directory import Directory
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import retrying
from application.ports import Clock
from application.staff_sessions import ConsoleSessions
from domain.agency_codes import agency_pair
from domain.errors import AlreadyOwned, DomainError
from domain.staff import StaffMember

STAFF_TOKEN = "staff-token"  # noqa: S105 - the label of a keyed digest, not a secret
STAFF_INVITATION = "staff-invitation"
INVITATION_TTL = timedelta(hours=72)


@dataclass(frozen=True)
class NewStaff:
    member: StaffMember
    token: str | None  # an API token, for a member added without an email


class Staff:
    def __init__(self, directory: Directory, clock: Clock, console_sessions: ConsoleSessions) -> None:
        self.directory = directory
        self.store = directory.store
        self.keys = directory.keys
        self.clock = clock
        self.console_sessions = console_sessions

    @retrying()
    def add(self, name: str, role: str, agency: str | None = None, email: str | None = None) -> NewStaff:
        """A new staff member: invited to the console when ``email`` is given,
        else with an API token, shown once and kept only as a nonce."""
        client, company = agency_pair(agency or "")
        address = normalize_email(email) if email is not None else None
        nonce = self.keys.nonce()
        try:
            member = StaffMember(name.strip(), role, client, company, None if address else nonce)
        except DomainError as error:
            raise Refused("invalid_request", f"Membre du personnel invalide : {error}") from error
        if address is None:
            self.store.commit(member)
            return NewStaff(member, self.keys.mint(STAFF_TOKEN, member.id, nonce))
        member.invite(address, nonce, self.clock.now() + INVITATION_TTL)
        try:
            claim = self.directory.claim_for(self.email_digest(address), member.id)
        except AlreadyOwned as error:
            raise Refused("email_taken", "Cette adresse est déjà celle d'un autre membre du personnel.") from error
        self.store.commit(member, claim)
        return NewStaff(member, None)

    @retrying()
    def invite_again(self, reference: str) -> StaffMember:
        """A new invitation (an expired or lost one): the earlier link stops working."""
        member = self.member(reference)
        if member.email is None:
            raise Refused("invalid_request", "Ce membre n'a pas d'adresse : ajoutez-le avec --email.")
        try:
            member.invite(member.email, self.keys.nonce(), self.clock.now() + INVITATION_TTL)
        except DomainError as error:
            raise Refused("step_out_of_order", "Ce membre est désactivé ou a déjà accepté son invitation.") from error
        self.store.commit(member)
        return member

    def email_digest(self, address: str) -> str:
        return self.keys.digest("staff-email", address)

    def by_email(self, address: str) -> StaffMember | None:
        """The member an address (in its normal form) belongs to, if any."""
        claim = self.directory.claim(self.email_digest(address))
        return self.store.find(StaffMember, claim.owner) if claim and claim.owner else None

    def member(self, reference: str) -> StaffMember:
        """A member by id or by email, as an operator types it."""
        member = None
        if "@" in reference:
            member = self.by_email(normalize_email(reference))
        else:
            member = self.store.find(StaffMember, self.directory.resolve_uuid(reference))
        if member is None:
            raise Refused("not_found", f"Aucun membre du personnel « {reference} ».")
        return member

    def all(self) -> list[StaffMember]:
        """Every staff member, oldest first."""
        found = (self.store.find(StaffMember, i) for i in self.store.ids_created_by(StaffMember.Added))
        return [member for member in found if member is not None]

    def describe(self, member: StaffMember) -> dict[str, Any]:
        """A member as ``sesame staff list`` shows it."""
        if member.disabled:
            state = "désactivé"
        elif member.may_enter_console:
            state = "actif"
        elif member.password_hash is not None:
            state = "mot de passe choisi, deux étapes à configurer"
        elif member.invitation is not None:
            expired = member.invitation.expires_at <= self.clock.now()
            state = "invitation expirée" if expired else "invité"
        else:
            state = "jeton d'API"
        return {
            "id": str(member.id), "name": member.name, "role": member.role,
            "agency": f"{member.client_code}/{member.company_code}" if member.role == "agency" else None,
            "email": member.email, "state": state, "two_step": member.two_step_on,
        }

    @retrying()
    def disable(self, reference: str) -> StaffMember:
        """The member can do nothing any more: their console sessions and API
        token end now, and their address may be given to someone else."""
        member = self.member(reference)
        member.disable()
        claim = self.directory.claim(self.email_digest(member.email)) if member.email else None
        released = [claim] if claim is not None and claim.owner == member.id else []
        for held in released:
            held.release(member.id)
        self.store.commit(member, *released)
        self.console_sessions.end_all(member.id)
        return member

    @retrying()
    def renew(self, staff_id: object) -> str:
        member = self.store.find(StaffMember, self.directory.resolve_uuid(staff_id))
        if member is None or member.disabled:
            raise Refused("not_found", "Aucun membre du personnel actif sous cet identifiant.")
        nonce = self.keys.nonce()
        member.renew_token(nonce)
        self.store.commit(member)
        return self.keys.mint(STAFF_TOKEN, member.id, nonce)

    def authenticate(self, token: str | None, *roles: str) -> StaffMember:
        """The staff member a token opens, if their role is one of ``roles``."""
        owner = self.keys.owner_of(token) if token else None
        member = self.store.find(StaffMember, owner) if owner else None
        if member is None or member.disabled or not self.keys.check(STAFF_TOKEN, token or "", member.token_nonce):
            raise Refused("unauthenticated", "Jeton du personnel absent ou invalide.")
        if member.role not in roles:
            raise Refused("forbidden", "Votre rôle ne permet pas cette opération.")
        return member

    @staticmethod
    def scope(member: Scoped) -> tuple[str, str] | None:
        """The agency codes an agency's staff are limited to; None for the rest."""
        return (member.client_code, member.company_code) if member.role == "agency" else None

    def require_agency(self, member: StaffMember, client_code: str, company_code: str) -> None:
        if not member.sees_agency(client_code, company_code):
            raise Refused("forbidden", "Ces codes sont ceux d'une autre agence.")
