"""A contract as the person, support and the applications see it: one set of
fields, whether read from the aggregate or from a read model's row."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.agency_account import AgencyAccount

# agency_name and property: the import columns (contract: "Import columns"), "" when left empty.
CONTRACT_FIELDS = ("client_code", "company_code", "login_id", "holder_name", "role", "agency_name", "property")


def contract_view(account: AgencyAccount) -> dict[str, Any]:
    return {"id": str(account.id), **{name: getattr(account, name) for name in CONTRACT_FIELDS}}


def contract_row_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """The same from a read model's row (its ``account_id`` and the fields)."""
    return {"id": row["account_id"], **{name: row[name] for name in CONTRACT_FIELDS}}
