"""Finding aggregates by natural key, through keyed digests only."""

from __future__ import annotations

from uuid import UUID

from application.contract_names import ContractName, name_contract
from application.emails import normalize_email
from application.errors import Refused
from application.event_store import EventStore
from application.keyring import Keyring
from application.recent_aggregates import RecentAggregates
from domain.agency import Agency
from domain.agency_account import AgencyAccount
from domain.agency_codes import canonical_code
from domain.digest_ids import uuid_of
from domain.identity import Identity
from domain.unique_claim import UniqueClaim


class Directory:
    def __init__(self, store: EventStore, keys: Keyring) -> None:
        self.store = store
        self.keys = keys
        self.recent = RecentAggregates(store)

    def account_digest(self, client_code: str, company_code: str, login_id: str) -> str:
        """The keyed digest naming a contract: its codes in their canonical form
        (``domain.agency_codes``), so ``ag1``, `` AG1 `` and ``AG1`` are one contract."""
        return self.keys.digest("account", *map(canonical_code, (client_code, company_code, login_id)))

    def legacy_digest(self, client_code: str, company_code: str, login_id: str) -> str | None:
        """The digest a contract imported before codes were canonical got from
        its codes exactly as written (only ever differs for lower-case ones)."""
        typed = tuple(code.strip() for code in (client_code, company_code, login_id))
        if typed == tuple(map(canonical_code, typed)):
            return None
        return self.keys.digest("account", *typed)

    def email_digest(self, email: str) -> str:
        return self.keys.digest("email", email)

    def contract_digest(self, account_id: UUID) -> str:
        return self.keys.digest("contract", str(account_id))

    def passkey_digest(self, credential_id: str) -> str:
        """A passkey's credential id (base64url), as its claim is keyed."""
        return self.keys.digest("passkey", credential_id)

    def provisional_digest(self, account_digest: str, code: str) -> str:
        return self.keys.digest("provisional", account_digest, code)

    def find_account(self, client_code: str, company_code: str, login_id: str) -> tuple[str, AgencyAccount | None]:
        """The digest keying the contract these codes name in any case, and the
        contract if it was imported. One imported in lower case before codes
        were canonical is found (with its own digest) when typed as imported."""
        digest = self.account_digest(client_code, company_code, login_id)
        account = self.store.find(AgencyAccount, uuid_of(digest))
        legacy = self.legacy_digest(client_code, company_code, login_id) if account is None else None
        older = self.store.find(AgencyAccount, uuid_of(legacy)) if legacy else None
        return (legacy, older) if legacy and older else (digest, account)

    def account(self, client_code: str, company_code: str, login_id: str) -> AgencyAccount | None:
        return self.find_account(client_code, company_code, login_id)[1]

    def account_label(self, account_id: str) -> str:
        """How a contract is named to the person: its property and agency."""
        account = self.store.find(AgencyAccount, UUID(account_id))
        return self.contract_name(account).label if account else account_id

    def contract_name(self, account: AgencyAccount) -> ContractName:
        agency = self.store.find(Agency, Agency.create_id(account.client_code, account.company_code))
        return name_contract(vars(account), agency.name if agency else "")

    def account_codes(self, account_id: str) -> str:
        """How staff name a contract: login id and agency codes."""
        account = self.store.find(AgencyAccount, UUID(account_id))
        return f"{account.login_id} ({account.client_code}/{account.company_code})" if account else account_id

    def claim(self, digest: str) -> UniqueClaim | None:
        return self.store.find(UniqueClaim, uuid_of(digest))

    def claim_for(self, digest: str, owner: UUID) -> UniqueClaim:
        """The claim of ``digest`` taken by ``owner``: new, or an existing one
        reclaimed. Raises AlreadyOwned when someone else holds it."""
        claim = self.claim(digest)
        if claim is None:
            return UniqueClaim(digest, owner)
        claim.claim(owner)
        return claim

    def identity(self, identity_id: UUID | None) -> Identity | None:
        """The person as the store has it now, from the recent states: read by
        every signed-in request and several times by a single sign-on."""
        if identity_id is None:
            return None
        return self.recent.find(Identity, identity_id)

    @staticmethod
    def resolve_uuid(identifier: object) -> UUID:
        try:
            return UUID(str(identifier))
        except ValueError as error:
            raise Refused("not_found", f"« {identifier} » n'est pas un identifiant.") from error

    def resolve(self, identifier: str) -> UUID:
        """An identity id from what an operator types: its id, or its login email."""
        try:
            return UUID(identifier)
        except ValueError:
            pass
        holder = self.holder(self.email_digest(normalize_email(identifier)))
        if holder is None:
            raise Refused("not_found", f"Aucune identité pour « {identifier} ».")
        return holder.id

    def holder(self, digest: str) -> Identity | None:
        """The identity currently holding a unique key, if any: read on every
        login, so from the recent states (brought up to date at each read)."""
        claim = self.recent.find(UniqueClaim, uuid_of(digest))
        return self.recent.find(Identity, claim.owner) if claim and claim.owner else None
