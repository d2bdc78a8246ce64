"""Events stored before the events were classes still replay.

``data/events_named_by_strings.json`` holds the stored events (topic and state)
that the domain of commit 5eb3a55, whose events were named by ``@event("...")``
strings, wrote for a run of every command of every aggregate: all 45 events.
Their topics (``domain.identity:Identity.EmailVerified``) must resolve to the
classes now declared in the aggregates, and replaying them must give the same
aggregates: an existing database keeps working."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import reduce
from pathlib import Path
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import StoredEvent

from domain.access_log import AccessLog
from domain.agency_account import AgencyAccount
from domain.client_sign_in import ClientSignIn
from domain.identity import ERASED, MERGED, RESET, Identity
from domain.relying_party import RelyingParty
from domain.staff import StaffMember
from domain.unique_claim import UniqueClaim

STORED = Path(__file__).parent / "data" / "events_named_by_strings.json"
AGGREGATES: list[type[Aggregate]] = [
    Identity, AgencyAccount, UniqueClaim, RelyingParty, StaffMember, AccessLog, ClientSignIn,
]


# Declared after that run (issue 15's console, issue 14's passkeys): no stored row to resolve, their own
# tests replay them.
NEWER: set[type[Aggregate.Event]] = {
    Identity.StaffActionTaken,  # issue 15: support actions
    StaffMember.Invited, StaffMember.PasswordSet, StaffMember.TwoStepEnrolled, StaffMember.TwoStepConfirmed,
    StaffMember.TwoStepCodeAccepted, StaffMember.RecoveryCodeUsed, StaffMember.Disabled,
    Identity.PasskeyRegistered, Identity.PasskeyUsed, Identity.PasskeyRemoved,
    Identity.EmailChangeCancelled,  # issue 16: a pending email change cancelled
    StaffMember.PasswordRehashed,  # a staff password follows the configured argon2 cost
}


def declared_events(aggregate: type[Aggregate]) -> set[type[Aggregate.Event]]:
    return {
        value for name, value in vars(aggregate).items()
        if name not in ("Event", "Created") and isinstance(value, type) and issubclass(value, Aggregate.Event)
    }


def stored_events() -> list[Aggregate.Event]:
    """The stored rows, read back through eventsourcing's mapper and transcoder."""
    mapper = Application[UUID](env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    events = []
    for row in json.loads(STORED.read_text()):
        stored = StoredEvent(UUID(row["originator_id"]), row["originator_version"], row["topic"], row["state"].encode())
        event = mapper.to_domain_event(stored)
        assert isinstance(event, Aggregate.Event)
        events.append(event)
    return events


def replayed() -> list[Any]:
    """Every aggregate of the stored streams, rebuilt by its events."""
    streams: dict[UUID, list[Aggregate.Event]] = defaultdict(list)
    for e in stored_events():
        streams[e.originator_id].append(e)
    return [reduce(lambda aggregate, e: e.mutate(aggregate), stream, None) for stream in streams.values()]


def test_every_stored_topic_resolves_to_the_class_its_aggregate_declares() -> None:
    events = stored_events()
    declared = set().union(*(declared_events(a) for a in AGGREGATES)) - NEWER
    assert {type(e) for e in events} == declared
    assert len(declared) == 45


def test_the_old_streams_replay_into_the_same_aggregates() -> None:
    by_type: dict[type, list[Any]] = defaultdict(list)
    for aggregate in replayed():
        by_type[type(aggregate)].append(aggregate)
    person, reset, merged = by_type[Identity]
    assert (person.status, person.email, person.two_step, person.known_devices) == (
        ERASED, None, None, {"device-1", "device-2"},
    )
    assert reset.status == RESET and merged.status == MERGED and merged.merged_into == person.id
    (account,) = by_type[AgencyAccount]
    assert account.erased and account.holder_name == "" and account.role == "owner"
    (claim,) = by_type[UniqueClaim]
    assert claim.owner == person.id
    (party,) = by_type[RelyingParty]
    assert party.removed and party.redirect_uris == ["https://ex.test/cb2"] and party.secret_digest is None
    (staff,) = by_type[StaffMember]
    assert staff.name == "Alice" and staff.version == 2
    (log,) = by_type[AccessLog]
    assert log.version == 2
    (sign_in,) = by_type[ClientSignIn]
    assert sign_in.signed_out == "portal"
