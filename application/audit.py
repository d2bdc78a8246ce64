"""Auditors replay an identity's history and see its state at any past moment.

The state as of a moment is the fold of the identity's events up to it: the
same code that builds the live aggregate, so the past can't be told
differently from the present. Secrets never leave: the view shows whether a
password was set, not its hash; whether a link was pending, not its nonce.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.access_records import AccessRecords, Reader
from application.errors import Refused
from application.event_store import EventStore
from application.history import Timeline, describe
from domain.identity import Identity


class Audit:
    def __init__(
        self, store: EventStore, access: AccessRecords, account_label: Callable[[str], str],
        timeline: Timeline = lambda identity_id, events: events,
    ) -> None:
        self.store = store
        self.access = access
        self.account_label = account_label
        self.timeline = timeline  # the identity's events and its sign-ins' streams

    def _events(self, identity_id: UUID) -> list[Aggregate.Event]:
        events = self.store.stream(identity_id)
        if not events or not isinstance(events[0], Identity.ActivationStarted):
            raise Refused("not_found", "Aucune identité sous cet identifiant.")
        return events

    def events(self, member: Reader, identity_id: UUID) -> list[dict[str, Any]]:
        events = self._events(identity_id)
        self.access.record(member, identity_id, "historique d'audit")
        return self.timeline(identity_id, [describe(e, self.account_label) for e in events])

    def state_at(self, member: Reader, identity_id: UUID, at: datetime) -> dict[str, Any]:
        events = [e for e in self._events(identity_id) if e.timestamp <= at]
        if not events:
            raise Refused("not_found", "Cette identité n'existait pas encore à ce moment.")
        identity: Any = None
        for event in events:
            identity = event.mutate(identity)
        self.access.record(member, identity_id, "état à une date")
        return state_view(identity, at)


def state_view(identity: Identity, at: datetime) -> dict[str, Any]:
    def link(value: Any, address: str) -> dict[str, Any] | None:
        return {address: value.email, "expires_at": value.expires_at.isoformat()} if value else None

    return {
        "id": str(identity.id),
        "as_of": at.isoformat(),
        "version": identity.version,
        "last_event_at": identity.modified_on.isoformat(),
        "status": identity.status,
        "email": identity.email,
        "proposed_email": identity.proposed_email,
        "password_set": identity.password_hash is not None,
        "terms_version": identity.terms_version,
        "two_step": "on" if identity.two_step_on else "pending" if identity.two_step else "off",
        "accounts": [str(a) for a in identity.accounts],
        "default_account": str(identity.default_account) if identity.default_account else None,
        "pending": {
            "email_verification": link(identity.verification, "email"),
            "password_reset": link(identity.password_reset, "email"),
            "email_change": link(identity.email_change, "new_email"),
            "two_step_challenge": link(identity.two_step_challenge, "email"),
        },
    }
