"""Staff members and their API tokens; every staff call checks role and scope."""

from __future__ import annotations

from dataclasses import dataclass

from application.access_records import Scoped
from application.directory import Directory
from application.errors import Refused
from application.event_store import retrying
from domain.agency_codes import agency_pair
from domain.errors import DomainError
from domain.staff import StaffMember

STAFF_TOKEN = "staff-token"  # noqa: S105 - the label of a keyed digest, not a secret


@dataclass(frozen=True)
class NewStaff:
    member: StaffMember
    token: str


class Staff:
    def __init__(self, directory: Directory) -> None:
        self.directory = directory
        self.store = directory.store
        self.keys = directory.keys

    def add(self, name: str, role: str, agency: str | None = None) -> NewStaff:
        """A new staff member; the token is shown once and kept only as a nonce."""
        client, company = agency_pair(agency or "")
        nonce = self.keys.nonce()
        try:
            member = StaffMember(name.strip(), role, client, company, nonce)
        except DomainError as error:
            raise Refused("invalid_request", f"Membre du personnel invalide : {error}") from error
        self.store.commit(member)
        return NewStaff(member, self.keys.mint(STAFF_TOKEN, member.id, nonce))

    @retrying()
    def renew(self, staff_id: object) -> str:
        member = self.store.find(StaffMember, self.directory.resolve_uuid(staff_id))
        if member is None:
            raise Refused("not_found", "Aucun membre du personnel sous cet identifiant.")
        nonce = self.keys.nonce()
        member.renew_token(nonce)
        self.store.commit(member)
        return self.keys.mint(STAFF_TOKEN, member.id, nonce)

    def authenticate(self, token: str | None, *roles: str) -> StaffMember:
        """The staff member a token opens, if their role is one of ``roles``."""
        owner = self.keys.owner_of(token) if token else None
        member = self.store.find(StaffMember, owner) if owner else None
        if member is None or not self.keys.check(STAFF_TOKEN, token or "", member.token_nonce):
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
