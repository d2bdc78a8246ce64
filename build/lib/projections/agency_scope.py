"""What a staff read may show: every contract, or one agency's own.

The one place the agency rule is written (issue 19, finding 5): an agency
sees a person only through its own contracts, and only those contracts —
never another agency's login id, holder name or role, and a search word that
only another agency's contract holds finds nothing for it. Every staff query
builds its SQL from ``contract``, so the rule holds inside the query, before
any row leaves the database.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from adapters.database import compose

SUPPORT_SCOPE = "all"
"""The search documents support staff read: every contract of a person."""


def scope_key(agency: tuple[str, str] | None) -> str:
    """The search documents an agency reads: its own contracts of a person,
    under a key made of letters and digits only (one word to a search engine)."""
    if agency is None:
        return SUPPORT_SCOPE
    return "a" + hashlib.sha256("\x1f".join(agency).encode()).hexdigest()[:24]


@dataclass(frozen=True)
class AgencyScope:
    """``agency`` is (client code, company code), or None for support staff."""

    agency: tuple[str, str] | None

    @property
    def params(self) -> dict[str, Any]:
        return {} if self.agency is None else {"scope_client": self.agency[0], "scope_company": self.agency[1]}

    @property
    def search_scope(self) -> str:
        """Which search documents a query reads (``projections/support_search.py``)."""
        return scope_key(self.agency)

    def contract(self, account_id: str) -> str:
        """A condition: the contract whose id is the SQL ``account_id`` is visible."""
        if self.agency is None:
            return "1 = 1"
        return compose(
            "EXISTS (SELECT 1 FROM read_accounts s WHERE s.account_id = {account_id} "
            "AND s.client_code = :scope_client AND s.company_code = :scope_company)",
            account_id=account_id,
        )

    def identity(self, identity_id: str) -> str:
        """A condition: the identity whose id is the SQL ``identity_id`` holds, or
        is activating, a visible contract."""
        if self.agency is None:
            return "1 = 1"
        return compose(
            "(EXISTS (SELECT 1 FROM read_identity_accounts v WHERE v.identity_id = {identity_id} AND {linked}) "
            "OR EXISTS (SELECT 1 FROM read_identities w WHERE w.identity_id = {identity_id} "
            "AND w.status = 'activating' AND {activating}))",
            identity_id=identity_id,
            linked=self.contract("v.account_id"),
            activating=self.contract("w.activating_account"),
        )
