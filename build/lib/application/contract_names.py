"""How a contract is named to the person, in one place: pages, mails, history.

A person knows a contract by its property (« 12 rue des Lilas, Lyon — lot 4 »)
and its agency (« Agence du Parc »), the import columns ``property`` and
``agency_name``. An agency that left them empty still has a name of its own
when it set one (``sesame agencies set``); else the contract is named by the
login id printed on the person's rent or service-charge calls, and the agency
plainly as « votre agence ». Codes never stand as a name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from domain.agency_account import ROLES as CONTRACT_ROLES

# The contract roles (domain.agency_account.ROLES) in words, in their order.
ROLES = dict(zip(CONTRACT_ROLES, ("Locataire", "Propriétaire", "Copropriétaire"), strict=True))


@dataclass(frozen=True)
class ContractName:
    """The « bien » and the agency of one contract, as the person reads them."""

    bien: str
    agency: str
    named: bool  # the agency gave the property's name (else: the login id stands in)

    @property
    def label(self) -> str:
        """One line: « 12 rue des Lilas, Lyon · Agence du Parc »."""
        return f"{self.bien} · {self.agency}"


def name_contract(contract: Mapping[str, Any], agency_name: str = "") -> ContractName:
    """``contract``: a dict with ``property``, ``agency_name``, ``login_id``
    (a /me account, a contract claim); ``agency_name``: the agency's own name
    when it set one, the fallback for a contract imported without it."""
    prop = str(contract.get("property") or "").strip()
    agency = str(contract.get("agency_name") or "").strip() or agency_name.strip()
    login_id = str(contract.get("login_id") or "")
    return ContractName(
        bien=prop or f"Bien de l'identifiant {login_id}",
        agency=agency or "votre agence",
        named=bool(prop),
    )


def role_words(role: str) -> str:
    return ROLES.get(role, role)
