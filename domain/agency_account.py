"""AgencyAccount: one agency contract, as the agency's software exported it.

Its id is a keyed digest of (client code, company code, login id), computed by
the application, so a re-import of the same contract addresses the same
aggregate and can only update it. ``agency_name`` and ``property`` (the
agency as its clients know it, the property the contract is about) came
later: events recorded before them replay with both empty. The 6-digit provisional code is kept only as
a keyed digest: a plain hash of a million possible codes would be no secret.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.digest_ids import uuid_of
from domain.errors import StepOutOfOrder

ROLES = ("tenant", "owner", "co_owner")


class AgencyAccount(Aggregate):
    """The contract record; who owns it is a UniqueClaim, not a field here."""

    @staticmethod
    def create_id(digest: str, **_: object) -> UUID:
        return uuid_of(digest)

    class Imported(Aggregate.Created):
        digest: str
        client_code: str
        company_code: str
        login_id: str
        holder_name: str
        role: str
        suggested_email: str
        provisional_digest: str
        agency_name: str = ""  # the import columns; events recorded before them have neither
        property: str = ""

    @event(Imported)
    def __init__(
        self,
        digest: str,
        client_code: str,
        company_code: str,
        login_id: str,
        holder_name: str,
        role: str,
        suggested_email: str,
        provisional_digest: str,
        agency_name: str = "",
        property: str = "",
    ) -> None:
        self.client_code = client_code
        self.company_code = company_code
        self.login_id = login_id
        self.holder_name = holder_name
        self.role = role
        self.suggested_email = suggested_email
        self.provisional_digest = provisional_digest
        self.agency_name = agency_name
        self.property = property
        self.ended_at: datetime | None = None
        self.erased = False

    @classmethod
    def imported(
        cls, id: UUID, digest: str, client_code: str, company_code: str, login_id: str, **details: str
    ) -> AgencyAccount:
        """The constructor, for an importer that already holds the id its digest
        names: eventsourcing's ``_create`` straight away, without coercing the
        arguments and deriving the id again for each of a million rows."""
        return cls._create(
            cls.Imported, id=id, digest=digest, client_code=client_code, company_code=company_code,
            login_id=login_id, **details,
        )

    def details(self) -> dict[str, str]:
        """The fields an agency may change by importing again."""
        return {
            "holder_name": self.holder_name,
            "role": self.role,
            "suggested_email": self.suggested_email,
            "provisional_digest": self.provisional_digest,
            "agency_name": self.agency_name,
            "property": self.property,
        }

    def reimport(self, **details: str) -> bool:
        """Apply a newer export of the contract; False when nothing changed.
        An ended contract exported again is open again."""
        if self.erased:
            raise StepOutOfOrder("this contract was erased after it ended")
        details = {"agency_name": "", "property": "", **details}  # an export without the later columns
        changed = details != self.details()
        if changed:
            self._updated(**details)
        if self.ended_at is not None:
            self._reopened()
            return True
        return changed

    class Reopened(Aggregate.Event):
        pass

    @event(Reopened)
    def _reopened(self) -> None:
        self.ended_at = None

    def end(self, at: datetime) -> None:
        """The agency ends the contract; retention counts from ``at``."""
        if self.erased:
            raise StepOutOfOrder("this contract was erased")
        if self.ended_at is None:
            self._ended(at)

    class Ended(Aggregate.Event):
        at: datetime

    @event(Ended)
    def _ended(self, at: datetime) -> None:
        self.ended_at = at

    def erase(self) -> None:
        """Retention is over: the contract's data goes with its key."""
        if self.ended_at is None:
            raise StepOutOfOrder("only an ended contract is erased")
        if not self.erased:
            self._erased()

    class Erased(Aggregate.Event):
        pass

    @event(Erased)
    def _erased(self) -> None:
        self.erased = True
        self.holder_name = self.login_id = self.suggested_email = self.property = ""
        self.provisional_digest = ""

    class Updated(Aggregate.Event):
        holder_name: str
        role: str
        suggested_email: str
        provisional_digest: str
        agency_name: str = ""
        property: str = ""

    @event(Updated)
    def _updated(
        self, holder_name: str, role: str, suggested_email: str, provisional_digest: str,
        agency_name: str = "", property: str = "",
    ) -> None:
        self.holder_name = holder_name
        self.role = role
        self.suggested_email = suggested_email
        self.provisional_digest = provisional_digest
        self.agency_name = agency_name
        self.property = property
