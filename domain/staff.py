"""Staff members: support, auditors and agencies' own staff, each with a role.

A staff member's API token is a keyed derivation of the nonce recorded here
(the application holds the key): the store alone can forge no token, and a new
token revokes the old one.
"""

from __future__ import annotations

from eventsourcing.domain import Aggregate, event

from domain.agency_codes import same_agency
from domain.errors import DomainError

ROLES = ("support", "auditor", "agency")


class InvalidStaff(DomainError):
    code = "invalid_request"


class StaffMember(Aggregate):
    class Added(Aggregate.Created):
        name: str
        role: str
        client_code: str
        company_code: str
        token_nonce: str

    @event(Added)
    def __init__(self, name: str, role: str, client_code: str, company_code: str, token_nonce: str) -> None:
        if role not in ROLES:
            raise InvalidStaff(f"rôle inconnu « {role} » (support, auditor, agency)")
        if (role == "agency") != bool(client_code and company_code):
            raise InvalidStaff("le rôle agency, et lui seul, demande --agency CLIENT/SOCIETE")
        self.name = name
        self.role = role
        self.client_code = client_code
        self.company_code = company_code
        self.token_nonce: str | None = token_nonce

    def sees_agency(self, client_code: str, company_code: str) -> bool:
        """Agency staff see only their own codes (in any case); support and auditors see all."""
        return self.role != "agency" or same_agency((self.client_code, self.company_code), client_code, company_code)

    class TokenRenewed(Aggregate.Event):
        token_nonce: str

    @event(TokenRenewed)
    def renew_token(self, token_nonce: str) -> None:
        self.token_nonce = token_nonce
