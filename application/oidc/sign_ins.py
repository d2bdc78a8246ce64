"""Who signs in to a client, with which contract, and what the client learns.

The person comes from their portal session (its public ``sid`` and the time
they proved who they are); the contracts a client may see are the person's
contracts, only its own agency's for an agency client. They are read from
the event store (the identity and its contracts), not from a read model: a
sign-in sees the person's latest writes without waiting for a projection,
and the token endpoint waits for none. Each code issued starts a
ClientSignIn stream, whose id every token of that sign-in carries.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from application.contract_view import contract_view
from application.directory import Directory
from application.ports import Session, Writes
from domain.agency_account import AgencyAccount
from domain.client_sign_in import ClientSignIn
from domain.identity import ACTIVE, Identity
from domain.relying_party import RelyingParty


@dataclass(frozen=True)
class Person:
    """The signed-in person as a grant carries them from code to tokens."""

    identity_id: UUID
    sid: str
    auth_time: int
    contract_id: str = ""
    client_id: str = ""

    def carried(self) -> dict[str, Any]:
        return {"sid": self.sid, "auth_time": self.auth_time, "contract_id": self.contract_id}

    @classmethod
    def of(cls, identity_id: UUID, client_id: str, data: dict[str, Any]) -> Person:
        return cls(identity_id, data["sid"], int(data["auth_time"]), data["contract_id"], client_id)


class SignIns:
    def __init__(self, directory: Directory, terms_outdated: Callable[[UUID], bool]) -> None:
        self.directory = directory
        self.store = directory.store
        self.terms_outdated = terms_outdated  # new CGU to accept before any sign-in (AccountSettings)

    @staticmethod
    def person(session: Session | None) -> Person | None:
        """The person a live portal session proves (sessions older than the sid have none)."""
        if session is None or not session.sid or session.authenticated_at is None:
            return None
        return Person(session.identity_id, session.sid, int(session.authenticated_at.timestamp()))

    def active(self, identity_id: UUID) -> Identity | None:
        identity = self.directory.identity(identity_id)
        return identity if identity is not None and identity.status == ACTIVE else None

    def visible_contracts(self, identity_id: UUID, party: RelyingParty) -> tuple[list[dict[str, Any]], str | None]:
        """The contracts this client may see, in the order they were linked,
        and the person's default contract."""
        identity = self.active(identity_id)
        if identity is None:
            return [], None
        return self._visible(identity, party), str(identity.default_account) if identity.default_account else None

    def _visible(self, identity: Identity, party: RelyingParty) -> list[dict[str, Any]]:
        """Each contract as the store has it now (the recent states, brought up to
        date at each read): one erased or ended a moment ago is seen as such."""
        visible = []
        for account_id in identity.accounts:
            account = self.directory.recent.find(AgencyAccount, account_id)
            if account is not None and not account.erased and party.sees(account.client_code, account.company_code):
                visible.append(contract_view(account))
        return visible

    def start(self, person: Person, party: RelyingParty, scopes: list[str], code: Callable[[UUID], Writes]) -> UUID:
        """Record the sign-in and, in the same transaction, the rows ``code``
        gives for its id (the authorization code); its id."""
        auth_time = datetime.fromtimestamp(person.auth_time, UTC)
        sign_in = ClientSignIn(
            person.identity_id, str(party.id), party.name, person.sid, person.contract_id, scopes, auth_time,
        )
        self.store.commit(sign_in, writes=code(sign_in.id))
        return sign_in.id

    def claims(self, person: Person, party: RelyingParty, scopes: list[str]) -> dict[str, Any] | None:
        """The ID token's and userinfo's claims; None when the person or the
        chosen contract is gone (erased, unlinked). The identity is read once, from the event store."""
        identity = self.active(person.identity_id)
        if identity is None:
            return None
        contracts = self._visible(identity, party)
        contract = next((c for c in contracts if c["id"] == person.contract_id), None)
        if contract is None:
            return None
        claims: dict[str, Any] = {
            "sub": str(person.identity_id), "sid": person.sid, "auth_time": person.auth_time, "contract": contract,
        }
        if "email" in scopes:
            claims.update(email=identity.email, email_verified=True)  # an active identity proved its email
        if "profile" in scopes:
            claims["name"] = contract["holder_name"]
        if "contracts" in scopes:
            claims["contracts"] = contracts
        return claims
