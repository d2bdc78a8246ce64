"""Agencies' own look (``sesame agencies set``) and finding it for a page or a mail.

Every portal page that names an agency asks for its look, so a look read from
the store is kept ``CACHE_SECONDS`` in each process: a change made with the
command line reaches a running server that long after.
"""

from __future__ import annotations

import base64
import threading
import time
from dataclasses import dataclass
from uuid import UUID

from application.contract_names import ContractName, name_contract
from application.errors import Refused
from application.event_store import EventStore, retrying
from application.logos import checked_logo
from domain.agency import Agency, canonical_codes, hover_colour
from domain.agency_account import AgencyAccount
from domain.errors import DomainError

CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class Look:
    """What a page or a mail shows of an agency."""

    client_code: str
    company_code: str
    name: str
    colour: str  # "" for Sésame's own
    hover: str
    logo_type: str  # "" without a logo
    version: int  # changes with the look: the address of its files changes with it

    @property
    def key(self) -> str:
        """A CSS class name of this agency's colours (``marque-...``)."""
        return "marque-" + Agency.create_id(self.client_code, self.company_code).hex[:16]

    @property
    def path(self) -> str:
        return f"/agences/{self.client_code}/{self.company_code}"


class Agencies:
    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._cache: dict[UUID, tuple[float, Agency | None]] = {}
        self._lock = threading.Lock()

    @retrying()
    def set(self, agency: str, name: str, colour: str = "", logo: tuple[bytes, str] | None = None) -> Look:
        """Set an agency's look exactly as given (no ``logo``: none, no ``colour``: Sésame's)."""
        client, _, company = agency.partition("/")
        logo_type, logo_data = checked_logo(*logo) if logo else ("", "")
        try:
            found = self.store.find(Agency, Agency.create_id(client, company))
            if found is None:
                found = Agency.register(client, company, name, colour, logo_type, logo_data)
            else:
                found.restyle(name, colour, logo_type, logo_data)
        except DomainError as error:
            raise Refused("invalid_request", f"Agence refusée : {error}.") from error
        self.store.commit(found)
        with self._lock:
            self._cache.pop(found.id, None)
        return _look(found)

    def _find(self, client_code: str, company_code: str) -> Agency | None:
        client, company = canonical_codes(client_code, company_code)
        if not client or not company:
            return None
        agency_id = Agency.create_id(client, company)
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(agency_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        found = self.store.find(Agency, agency_id)
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[agency_id] = (now + CACHE_SECONDS, found)
        return found

    def look(self, client_code: str, company_code: str) -> Look | None:
        """The agency's look, or None: the page keeps Sésame's own."""
        found = self._find(client_code, company_code)
        return _look(found) if found is not None else None

    def contract(self, account_id: str) -> tuple[ContractName, Look | None] | None:
        """A contract named for its holder, and its agency's look: what a mail about it shows."""
        try:
            account = self.store.find(AgencyAccount, UUID(account_id))
        except ValueError:
            return None
        if account is None or account.erased:
            return None
        look = self.look(account.client_code, account.company_code)
        return name_contract(vars(account), look.name if look else ""), look

    def logo(self, client_code: str, company_code: str) -> tuple[str, bytes] | None:
        """(media type, bytes) of the agency's logo, if it has one."""
        found = self._find(client_code, company_code)
        if found is None or not found.logo:
            return None
        return found.logo_type, base64.b64decode(found.logo)


def _look(agency: Agency) -> Look:
    return Look(
        agency.client_code, agency.company_code, agency.name, agency.colour,
        hover_colour(agency.colour) if agency.colour else "", agency.logo_type, agency.version,
    )
