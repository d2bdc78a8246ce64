"""Accountability: every staff read of a person's data is itself recorded,
and the person sees who looked (``/me/history``, the export)."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from application.event_store import EventStore, retrying
from domain.access_log import AccessLog, log_id


class Reader(Protocol):
    """Who reads: a staff member, or an operator at the command line."""

    @property
    def id(self) -> UUID: ...

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


class Scoped(Reader, Protocol):
    """A reader with the agency they are limited to (``role == "agency"``)."""

    @property
    def client_code(self) -> str: ...

    @property
    def company_code(self) -> str: ...


@dataclass(frozen=True)
class Operator:
    """Whoever runs ``sesame history`` on the server, named by their login."""

    id: UUID
    name: str
    role: str = "auditor"
    client_code: str = ""  # no agency: the operator sees every contract
    company_code: str = ""

    @classmethod
    def current(cls, role: str = "auditor") -> Operator:
        user = getpass.getuser()
        return cls(uuid5(NAMESPACE_URL, f"sesame:operator:{user}"), f"ligne de commande ({user})", role)


class AccessRecords:
    def __init__(self, store: EventStore) -> None:
        self.store = store

    @retrying()
    def record(self, member: Reader, identity_id: UUID, what: str) -> None:
        log = self.store.find(AccessLog, log_id(identity_id)) or AccessLog(identity_id)
        log.record_read(member.id, member.name, member.role, what)
        self.store.commit(log)

    def reads_of(self, identity_id: UUID) -> list[dict[str, Any]]:
        return [
            {"at": e.timestamp.isoformat(), "staff_name": e.staff_name, "role": e.role, "what": e.what}
            for e in self.store.events.get(log_id(identity_id))
            if isinstance(e, AccessLog.DataRead)
        ]
