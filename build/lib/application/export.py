"""The person's data as one JSON document (GDPR access and portability).

Profile, linked contracts, passkeys (names and dates), consents (each CGU
version accepted, with its date), the whole history in plain words, the
staff reads of the person's data, and the applications the person is signed
into. Hashes, nonces and tokens never appear: history goes through the same
public view as ``/me/history``. The portal shows the same document as a
printable page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from application.contract_view import contract_view
from application.directory import Directory
from application.errors import Refused
from application.history import Timeline, describe, passkey_view
from application.ports import Clock
from domain.agency_account import AgencyAccount
from domain.identity import Identity


class Export:
    def __init__(
        self, directory: Directory, clock: Clock, staff_reads: Callable[[UUID], list[dict[str, Any]]] = lambda _: [],
        timeline: Timeline = lambda identity_id, events: events,
        applications: Callable[[UUID], list[dict[str, Any]]] = lambda _: [],
    ) -> None:
        self.directory = directory
        self.store = directory.store
        self.clock = clock
        self.staff_reads = staff_reads
        self.timeline = timeline
        self.applications = applications

    def export(self, identity_id: UUID) -> dict[str, Any]:
        identity = self.directory.identity(identity_id)
        if identity is None:
            raise Refused("not_found", "Aucune identité sous cet identifiant.")
        events = self.store.stream(identity_id)
        return {
            "generated_at": self.clock.now().isoformat(),
            "profile": {
                "id": str(identity.id),
                "status": identity.status,
                "email": identity.email,
                "default_account": str(identity.default_account) if identity.default_account else None,
                "created_at": events[0].timestamp.isoformat(),
            },
            "passkeys": [passkey_view(p) for p in identity.passkeys.values()],
            "accounts": [self._account(a) for a in identity.accounts],
            "consents": [
                {
                    "document": "CGU et politique de confidentialité",
                    "version": e.version,
                    "accepted_at": e.timestamp.isoformat(),
                }
                for e in events
                if isinstance(e, Identity.TermsAccepted)
            ],
            "history": self.timeline(identity_id, [describe(e, self.directory.account_label) for e in events]),
            "staff_reads": self.staff_reads(identity_id),
            "connected_applications": self.applications(identity_id),
        }

    def _account(self, account_id: UUID) -> dict[str, Any]:
        account = self.store.find(AgencyAccount, account_id)
        if account is None:
            raise RuntimeError("broken invariant: account is None")
        name = self.directory.contract_name(account)
        return {
            **contract_view(account), "name": name.label, "agency": name.agency,
            "ended_at": account.ended_at.isoformat() if account.ended_at else None,
        }
