"""Projection runners: Sésame's ``Follower`` against eventsourcing's ``ProjectionRunner``.

Issue 18 asks whether the library's runner (eventsourcing 9.5.6,
``eventsourcing.projection``) should replace ``projections/follower.py``.
Both apply the same projection (``ProfileProjection``, the read model behind
``/me``) to the same events, in the same PostgreSQL database: the follower in
batches of up to 500 events per transaction, its position in the batch's
transaction; the runner as the library drives it, a subscription (LISTEN/NOTIFY)
handing one event at a time to ``process_event``, which applies it and records
its tracking row in one transaction, the recorder's (eventsourcing's
``notification_tracking`` table beside Sésame's ``tracking``). Only
PostgreSQL: eventsourcing's SQLite recorder does not support subscriptions,
so the runner cannot follow Sésame's embedded default at all. Rounds
alternate follower and runner, the view's tables emptied before each; the
figure is the median of events applied per second.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, ClassVar

from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.projection import Projection as LibraryProjection
from eventsourcing.projection import ProjectionRunner

from adapters.bootstrap import bootstrap, event_store_env
from adapters.database import Tx, compose
from application.config import Settings
from application.event_store import EventStore
from bench import databases
from bench.audit import identity_with
from bench.common import bench_env
from bench.report import Row, Section, table
from projections.follower import Projection
from projections.profile import ProfileProjection


class View(PostgresTrackingRecorder):
    """The runner's materialised view: Sésame's projection applied on the
    recorder's own connection, with the tracking row in the same transaction."""

    projection: ClassVar[Projection] = ProfileProjection()

    def apply(self, event: Any, tracking: Tracking) -> None:
        self.projection.prepare([event])
        with self.datastore.transaction(commit=True) as cursor:
            self.projection.apply(event, tracking.notification_id, Tx(cursor, "postgresql"))
            self._insert_tracking(cursor, tracking)


class Applied(LibraryProjection[View]):
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.apply(domain_event, tracking)


def run(people: int, rounds: int, out: Path, work: Path) -> Section:
    if not databases.postgres_available():
        return Section("Projection runners", [], "PostgreSQL was not reachable: not measured.")
    follower_rates: list[float] = []
    runner_rates: list[float] = []
    with databases.fresh("postgresql", work, "runners") as url:
        container = bootstrap(Settings.from_env(bench_env(DATABASE_URL=url)))
        for _ in range(people):
            container.store.save(identity_with(10))
        events = container.store.recorder.max_notification_id() or 0
        keys = container.store.subject_keys
        follower = container.followers["profile"]

        class Store(EventStore):
            name = EventStore.name  # else the library names it after the class, and reads other tables

            def __init__(self, env: Any = None) -> None:
                super().__init__(env, keys)

        def clear() -> None:
            with container.db.transaction() as tx:
                for name in View.projection.tables:
                    tx.execute(compose("DELETE FROM {table}", table=name))
                tx.execute("DELETE FROM tracking")

        env = {**event_store_env(url), "CREATE_TABLE": "yes"}
        for n in range(rounds):
            clear()
            started = time.perf_counter()
            applied = follower.catch_up()
            follower_rates.append(applied / (time.perf_counter() - started))
            clear()
            projection = type(f"BenchProfile{n}", (Applied,), {"name": f"bench_profile_{n}"})
            started = time.perf_counter()
            with ProjectionRunner(
                application_class=Store, projection_class=projection, view_class=View, env=env
            ) as runner:
                runner.wait(events, timeout=600)
            runner_rates.append(events / (time.perf_counter() - started))
    follower_rate, runner_rate = statistics.median(follower_rates), statistics.median(runner_rates)
    rows = [Row(
        "profile projection, events applied per second: eventsourcing's ProjectionRunner / Sésame's Follower",
        f"{runner_rate:,.0f} /s", f"{follower_rate:,.0f} /s", runner_rate / follower_rate, "—", None,
    )]
    pairs = zip(follower_rates, runner_rates, strict=True)
    lines = [[n + 1, f"{f:,.0f}", f"{r:,.0f}"] for n, (f, r) in enumerate(pairs)]
    body = f"""\
`ProfileProjection` (the read model behind `/me`) over {events:,} events of {people} identities
(activation, then password resets), on PostgreSQL, applied from the start by Sésame's `Follower`
(`projections/follower.py`: batches of up to 500 events, one transaction each with its position)
and by eventsourcing 9.5.6's `ProjectionRunner` (`bench/runners.py`: a `PostgresTrackingRecorder`
view whose `process_event` applies the same projection and its tracking row in one transaction per
event, fed by the library's LISTEN/NOTIFY subscription). {rounds} rounds, alternating, the view's
tables emptied before each; medians.

{table(["round", "Follower events/s", "ProjectionRunner events/s"], lines)}

Which to keep: the `Follower`. Measured, the library's runner applies
{runner_rate / follower_rate:.2f} × the follower's events per second on the same projection here (one
transaction per event against one per batch). Beyond speed: eventsourcing's SQLite recorder does not
support subscriptions, so the runner cannot follow Sésame's embedded default (SQLite) at all, and
Sésame would need two runners for one job; the follower's position lives in Sésame's own `tracking`
table, moved by the migrations and by `sesame projections --rebuild`, where the runner keeps its
own `notification_tracking`; and the follower's batch check (`FOR UPDATE` on its position, a batch
applied only if the position is still the one it read after) lets several `sesame projections`
processes follow one projection without double work, which the runner leaves to the view. What the
runner would bring (a push subscription instead of polling woken by NOTIFY) Sésame's follower already
has through `Database.listen`. Keep the follower; revisit if the library's runner gains SQLite
subscriptions and batched processing."""
    return Section("Projection runners", rows, body)
