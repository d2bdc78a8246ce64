"""Aggregates read on every login (a claim, its identity), kept decoded between reads.

Rebuilding an identity means its snapshot and its later events, each unsealed
and decoded: most of a login's CPU beyond its hash. Here the last state read is
kept, and every read still asks the store for the events recorded after it
(one indexed read, usually empty) and applies them: a password change, an
erasure or a disable written by any process takes effect at the very next
read, never a stale one. A state is kept pickled: each reader unpickles its
own copy to change and commit (five times cheaper than ``deepcopy``), and
threads share the bytes without a lock.
"""

from __future__ import annotations

import pickle
import threading
from collections import OrderedDict
from typing import TypeVar
from uuid import UUID

from eventsourcing.domain import Aggregate

from application.event_store import EventStore

A = TypeVar("A", bound=Aggregate)
KEPT = 10_000  # states kept, least recently read dropped first (an identity is a few kilobytes)


class RecentAggregates:
    def __init__(self, store: EventStore, kept: int = KEPT) -> None:
        self.store = store
        self.kept = kept
        self._states: OrderedDict[UUID, tuple[int, bytes]] = OrderedDict()  # version, pickled state
        self._lock = threading.Lock()

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate as the store has it now (None when absent or not a ``cls``),
        a copy the caller may change."""
        with self._lock:
            kept = self._states.get(aggregate_id)
            if kept is not None:
                self._states.move_to_end(aggregate_id)
        if kept is None:
            found = self.store.find(cls, aggregate_id)
            if found is not None:
                self._keep(found)
            return found
        version, state = kept
        aggregate: Aggregate | None = pickle.loads(state)  # noqa: S301 - bytes this class pickled itself
        newer = [e for e in self.store.events.get(aggregate_id, gt=version) if isinstance(e, Aggregate.Event)]
        for event in newer:
            aggregate = event.mutate(aggregate)
        if newer and aggregate is not None:
            self._keep(aggregate)
        return aggregate if isinstance(aggregate, cls) else None

    def _keep(self, aggregate: Aggregate) -> None:
        state = pickle.dumps(aggregate, pickle.HIGHEST_PROTOCOL)
        with self._lock:
            older = self._states.get(aggregate.id)
            if older is None or older[0] < aggregate.version:  # a slower reader never puts an older state back
                self._states[aggregate.id] = aggregate.version, state
                self._states.move_to_end(aggregate.id)
            while len(self._states) > self.kept:
                self._states.popitem(last=False)
