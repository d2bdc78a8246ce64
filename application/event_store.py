"""The event store: eventsourcing's Application, configured from DATABASE_URL.

Every write of a use case goes through ``commit``, which saves all the
aggregates it touched in one atomic recording (and refuses a mail request
whose limits were not spent, see mail_requests.py). When the store's unique
(id, version) constraint refuses it, a concurrent writer won: ``retrying``
runs the whole use case again on fresh state, and only a persistent race
reaches the caller, as a 409 ``conflict``. What a use case spends rather than
reads (a throttle hit, an argon2 hash) goes through ``application.once``: a
re-run reuses it, so a lost race costs the person no try and the server no
second hash.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from typing import Any, ClassVar, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Mapper, Recording
from eventsourcing.utils import get_topic

from application import snapshots
from application.errors import Conflict
from application.mail_requests import MailSpent, check_mail_spent
from application.once import spending_once
from application.personal_data import PersonalDataMapper, SubjectErased, SubjectKeys
from application.ports import Write
from domain.identity import Identity

A = TypeVar("A", bound=Aggregate)
P = ParamSpec("P")
R = TypeVar("R")


class EventStore(Application[UUID]):
    name = "sesame"
    on_commit: Callable[[], None] = staticmethod(lambda: None)
    # a person's history grows with every sign-in from a new device, reset and change
    snapshotting_intervals: ClassVar[dict[type[Any], int]] = {Identity: snapshots.SNAPSHOT_EVERY}

    def __init__(self, env: dict[str, str], keys: SubjectKeys) -> None:
        self.subject_keys = keys
        super().__init__(env)

    def construct_mapper(self) -> Mapper[UUID]:
        """Personal fields of events, and snapshots whole, are sealed with their subject's key."""
        return PersonalDataMapper(self.construct_transcoder(), self.subject_keys)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        snapshots.register_transcodings(transcoder)

    def construct_repository(self) -> Repository[UUID]:
        """eventsourcing's repository, able to load past a shredded snapshot."""
        return snapshots.SnapshotRepository(event_store=self.events, snapshot_store=self.snapshots)

    def recorders(self) -> list[object]:
        """The recorders whose tables bootstrap creates (``CREATE_TABLE`` is off):
        the events', then the snapshots'."""
        return [self.recorder, *([self.snapshots.recorder] if self.snapshots is not None else [])]

    def take_snapshot(self, aggregate_id: UUID, version: int | None = None, projector_func: Any = None) -> None:
        """No snapshot of an erased subject: nothing personal may be sealed for it again."""
        try:
            if projector_func is None:
                super().take_snapshot(aggregate_id, version)
            else:
                super().take_snapshot(aggregate_id, version, projector_func)
        except SubjectErased:
            pass

    def state_at(self, aggregate_id: UUID, at: datetime) -> Any:
        """The aggregate as it was at ``at``, from its newest snapshot before (None before it existed)."""
        return snapshots.state_at(self.events, self.snapshots, aggregate_id, at)

    def commit(
        self, *aggregates: Aggregate, mail: MailSpent | None = None, writes: Sequence[Write] = ()
    ) -> int:
        """Save atomically, with the side-table ``writes`` (statements an adapter
        gave) in the same transaction; returns the last notification id written
        (0 if none). A write that requests a mail needs its ``mail`` limits spent."""
        check_mail_spent(aggregates, mail)
        try:
            recordings = self.save(*aggregates, writes=writes) if writes else self.save(*aggregates)
        except IntegrityError as error:
            raise Conflict() from error
        self.on_commit()
        return max((r.notification.id for r in recordings), default=0)

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[UUID]]:
        """eventsourcing's ``save``, collecting the aggregates' events without its
        runtime-protocol ``isinstance`` checks: on Python 3.11 each walks the
        protocol's attributes, a tenth of an import's CPU. Anything but
        aggregates goes the library's way."""
        if not all(isinstance(obj, Aggregate) for obj in objs):
            return super().save(*objs, **kwargs)
        processing: ProcessingEvent[UUID] = ProcessingEvent()
        for obj in objs:
            processing.events.extend(obj.collect_events())
            processing.aggregates[obj.id] = obj
        processing.saved_kwargs.update(kwargs)
        recordings = self._record(processing)
        self._take_snapshots(processing)
        self._notify(recordings)
        self.notify(processing.events)  # deprecated in eventsourcing, still called by its save
        return recordings

    def find(self, cls: type[A], aggregate_id: UUID) -> A | None:
        """The aggregate, or None when no such stream exists."""
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        if not isinstance(aggregate, cls):
            return None
        return aggregate

    def stream(self, aggregate_id: UUID) -> list[Aggregate.Event]:
        """One aggregate's events, oldest first, as the aggregate events they are."""
        return [event for event in self.events.get(aggregate_id) if isinstance(event, Aggregate.Event)]

    def ids_created_by(self, created: type[Aggregate.Event], page: int = 500) -> Iterator[UUID]:
        """The id of every aggregate whose stream starts with ``created``, oldest
        first, read from the notification log a page at a time."""
        topic, start = get_topic(created), 1
        while True:
            notifications = self.recorder.select_notifications(start, page, topics=[topic])
            yield from (UUID(str(n.originator_id)) for n in notifications)
            if len(notifications) < page:
                return
            start = notifications[-1].id + 1

    def position(self) -> int:
        """The newest notification id in the store."""
        return self.recorder.max_notification_id() or 0


def retrying(attempts: int = 3) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Run a use case again when the store reports a lost race; what it spent
    through ``once`` on its first run is not spent again."""

    def decorate(use_case: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(use_case)
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            with spending_once():
                for attempt in range(attempts):
                    try:
                        return use_case(*args, **kwargs)
                    except Conflict:
                        if attempt == attempts - 1:
                            raise
                raise AssertionError("unreachable")

        return run

    return decorate


