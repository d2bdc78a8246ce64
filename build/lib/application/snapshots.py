"""Snapshots of long-lived aggregates, sealed like their events.

eventsourcing takes a snapshot of an ``Identity`` every ``SNAPSHOT_EVERY``
versions as it saves one, and every load starts from the newest snapshot
instead of the first event. A snapshot's state is the whole aggregate (its
email, its links' addresses, its two-step secret), so the personal-data
mapper seals the state whole under the subject's own key
(``seal_snapshot``): erasing the subject shreds its snapshots with its
events. A shredded snapshot cannot be opened; loads then fold the events
(their personal fields read as erased), as they did before snapshots.

``state_at`` serves the auditors' time travel: the newest snapshot not after
the moment (a binary search over the snapshots, each telling when its
aggregate last changed), then the few events after it, so its cost depends
on ``SNAPSHOT_EVERY``, not on the length of the history.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Repository
from eventsourcing.domain import Aggregate, Snapshot
from eventsourcing.persistence import EventStore, JSONTranscoder, Transcoder, Transcoding

from domain.identity import Link
from domain.passkeys import Passkey
from domain.two_step import TwoStep

SNAPSHOT_EVERY = 100
STATE_FIELD = "snapshot"  # what the sealed state is bound to, beside the subject's id


class SnapshotShredded(Exception):
    """The snapshot's subject was erased: its state cannot be opened."""


class LinkAsDict(Transcoding):
    type = Link
    name = "sesame_link"

    def encode(self, obj: Link) -> dict[str, Any]:
        return {"email": obj.email, "nonce": obj.nonce, "expires_at": obj.expires_at}

    def decode(self, data: dict[str, Any]) -> Link:
        return Link(**data)


class TwoStepAsDict(Transcoding):
    type = TwoStep
    name = "sesame_two_step"

    def encode(self, obj: TwoStep) -> dict[str, Any]:
        return dict(vars(obj))

    def decode(self, data: dict[str, Any]) -> TwoStep:
        two_step = object.__new__(TwoStep)
        vars(two_step).update(data)
        return two_step


class PasskeyAsDict(Transcoding):
    type = Passkey
    name = "sesame_passkey"

    def encode(self, obj: Passkey) -> dict[str, Any]:
        return dict(vars(obj))

    def decode(self, data: dict[str, Any]) -> Passkey:
        return Passkey(**data)


class SetAsList(Transcoding):
    type = set
    name = "set"

    def encode(self, obj: set[Any]) -> list[Any]:
        return sorted(obj)

    def decode(self, data: list[Any]) -> set[Any]:
        return set(data)


def register_transcodings(transcoder: JSONTranscoder) -> None:
    """What an aggregate's state holds beyond its events' fields."""
    for transcoding in (LinkAsDict(), TwoStepAsDict(), PasskeyAsDict(), SetAsList()):
        transcoder.register(transcoding)


def is_snapshot(event: object) -> bool:
    return isinstance(event, Snapshot)


def sealed_state(transcoder: Transcoder, state: dict[str, Any], seal: Any) -> dict[str, str]:
    """The state as one sealed field; ``seal(text)`` seals under the subject's key."""
    return {"sealed": seal(transcoder.encode(state).decode())}


def opened_state(transcoder: Transcoder, state: dict[str, Any], unseal: Any) -> dict[str, Any]:
    """The state a ``sealed_state`` was; ``unseal(text)`` is None once the key is gone."""
    text = unseal(state["sealed"])
    if text is None:
        raise SnapshotShredded()
    opened: dict[str, Any] = transcoder.decode(text.encode())
    return opened


class SnapshotRepository(Repository[UUID]):
    """eventsourcing's repository, folding the events alone where a snapshot was shredded."""

    def _reconstruct_aggregate(self, aggregate_id: UUID, version: int | None, projector_func: Any) -> Any:
        try:
            return super()._reconstruct_aggregate(aggregate_id, version, projector_func)
        except SnapshotShredded:
            aggregate = projector_func(None, self.event_store.get(originator_id=aggregate_id, lte=version))
            if aggregate is None:
                raise AggregateNotFoundError(aggregate_id) from None
            return aggregate


def state_at(events: EventStore[UUID], snapshots: EventStore[UUID] | None, aggregate_id: UUID, at: datetime) -> Any:
    """The aggregate as it was at ``at`` (None if it did not exist yet)."""
    base = _snapshot_not_after(snapshots, aggregate_id, at) if snapshots else None
    aggregate: Aggregate | None = base.mutate(None) if base else None
    version = base.originator_version if base else None
    while True:
        batch: list[Any] = list(events.get(aggregate_id, gt=version, limit=SNAPSHOT_EVERY))
        for event in batch:
            if event.timestamp > at:
                return aggregate
            aggregate = event.mutate(aggregate)
        if len(batch) < SNAPSHOT_EVERY:
            return aggregate
        version = batch[-1].originator_version


def _snapshot_not_after(snapshots: EventStore[UUID], aggregate_id: UUID, at: datetime) -> Any:
    """The newest snapshot whose aggregate had last changed by ``at``, if any."""

    def nearest(version: int | None) -> Any:
        return next(iter(snapshots.get(aggregate_id, lte=version, desc=True, limit=1)), None)

    try:
        newest = nearest(None)
        if newest is None or _changed(newest) <= at:
            return newest
        found, low, high = None, 1, newest.originator_version // SNAPSHOT_EVERY  # search k * SNAPSHOT_EVERY
        while low <= high:
            middle = (low + high) // 2
            snapshot = nearest(middle * SNAPSHOT_EVERY)
            if snapshot is not None and _changed(snapshot) <= at:
                found, low = snapshot, middle + 1
            else:
                high = middle - 1
        return found
    except SnapshotShredded:
        return None


def _changed(snapshot: Any) -> datetime:
    modified: datetime = snapshot.state["_modified_on"]
    return modified
