"""AccessLog: who among the staff read a person's data, and what.

One log per identity, kept apart from the identity's own stream so that
looking at a history never changes it (auditors replay the identity as it
was) and a staff read never races the person's own actions.
"""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class AccessLog(Aggregate):
    @staticmethod
    def create_id(identity_id: UUID, **_: object) -> UUID:
        return log_id(identity_id)

    class Opened(Aggregate.Created):
        identity_id: UUID

    @event(Opened)
    def __init__(self, identity_id: UUID) -> None:
        self.identity_id = identity_id
        self.reads: list[dict[str, str]] = []

    class DataRead(Aggregate.Event):
        staff_id: UUID
        staff_name: str
        role: str
        what: str

    @event(DataRead)
    def record_read(self, staff_id: UUID, staff_name: str, role: str, what: str) -> None:
        """``what`` names the view read: support profile, audit events, audit state."""
        self.reads.append({"staff_id": str(staff_id), "staff_name": staff_name, "role": role, "what": what})


def log_id(identity_id: UUID) -> UUID:
    return uuid5(NAMESPACE_URL, f"sesame:access-log:{identity_id}")
