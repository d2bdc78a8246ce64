"""Audit: replaying an identity as it was at a version, against its history's length.

``GET /api/v1/audit/identities/{id}/state?at=`` does not exist yet; what it
will cost is the replay underneath, which this measures with Sésame's own
event store (its personal-data mapper included): ``repository.get(id,
version=v)`` over one identity of N events, at versions drawn uniformly, once
from the events alone and once with eventsourcing snapshots every
``SNAPSHOT_EVERY`` versions. Both read the same events from the same database.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import uuid4

from eventsourcing.persistence import JSONTranscoder, Transcoding

from adapters.bootstrap import Container, bootstrap
from application.config import Settings
from bench import databases
from bench.common import Budget, bench_env, percentile
from bench.report import Row, Section, ms, plot, table
from domain.identity import Identity, Link

SNAPSHOT_EVERY = 100
MISS = ""  # no target yet


class LinkAsDict(Transcoding):
    """Identity's state holds ``Link`` objects, which eventsourcing's JSON
    transcoder does not know; a snapshot of that state needs this."""

    type = Link
    name = "sesame_link"

    def encode(self, obj: Link) -> dict[str, Any]:
        return {"email": obj.email, "nonce": obj.nonce, "expires_at": obj.expires_at}

    def decode(self, data: dict[str, Any]) -> Link:
        return Link(**data)


def identity_with(events: int) -> Identity:
    """An active identity with exactly ``events`` events: the activation, then
    password resets requested and used, as a long-lived account accumulates."""
    now = datetime.now(UTC)
    later = now + timedelta(days=1)
    identity = Identity(uuid4(), "nonce")
    identity.propose_email("audit@exemple.fr")
    identity.set_password("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA")
    identity.accept_terms("2026-11-01")
    identity.request_email_verification("verify", later)
    identity.verify_email("verify", now)  # two events: EmailVerified, AccountLinked
    while identity.version + 2 <= events:
        identity.request_password_reset("reset", later)
        identity.reset_password("reset", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3", now)
    if identity.version < events:
        identity.change_password("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bGFzdA")
    return identity


def stores(url: str) -> tuple[Container, Container]:
    """(plain, snapshotting) containers on one database."""
    import os

    plain = bootstrap(Settings.from_env(bench_env(DATABASE_URL=url)))
    os.environ["IS_SNAPSHOTTING_ENABLED"] = "y"  # eventsourcing reads it from the environment
    try:
        snapshotting = bootstrap(Settings.from_env(bench_env(DATABASE_URL=url)))
    finally:
        del os.environ["IS_SNAPSHOTTING_ENABLED"]
    transcoder = snapshotting.store.mapper.transcoder
    assert isinstance(transcoder, JSONTranscoder)
    transcoder.register(LinkAsDict())
    # bootstrap creates the events' table only (CREATE_TABLE is off for the store): snapshots need theirs.
    assert snapshotting.store.snapshots is not None
    snapshotting.store.snapshots.recorder.create_table()  # type: ignore[attr-defined]
    return plain, snapshotting


def replay_times(container: Container, identity: Identity, budget: Budget) -> list[float]:
    """Seconds per replay at versions drawn uniformly from the whole history."""
    draw = random.Random(identity.version)
    times = []
    for _ in budget:
        version = draw.randint(1, identity.version)
        started = time.perf_counter()
        container.store.repository.get(identity.id, version=version)
        times.append(time.perf_counter() - started)
    return times


def run(lengths: list[int], out: Path, work: Path, seconds: float) -> Section:
    results: dict[int, dict[str, list[float]]] = {}
    with databases.fresh("sqlite", work, "audit") as url:
        plain, snapshotting = stores(url)
        try:
            for length in lengths:
                identity = identity_with(length)
                plain.store.save(identity)
                for version in range(SNAPSHOT_EVERY, length + 1, SNAPSHOT_EVERY):
                    snapshotting.store.take_snapshot(identity.id, version=version)
                budget = Budget(count=200, seconds=seconds)
                results[length] = {
                    "events only": replay_times(plain, identity, budget),
                    "with snapshots": replay_times(snapshotting, identity, budget),
                }
        finally:
            plain.stop()
            snapshotting.stop()
    rows = [
        Row(f"audit replay p50, {max(lengths):,} events", ms(percentile(results[max(lengths)]["events only"], 50)),
            f"{ms(percentile(results[max(lengths)]['with snapshots'], 50))} with snapshots", None, "—", None),
    ]
    plot_audit(out, results)
    return Section("Audit", rows, describe(results), ["bench-audit.png"], MISS)


HEADERS = ["events", "events only: p50 / p99 (replays)", f"snapshots every {SNAPSHOT_EVERY}: p50 / p99 (replays)"]


def describe(results: dict[int, dict[str, list[float]]]) -> str:
    lines = [
        [f"{length:,}"] + [
            f"{ms(percentile(times[kind], 50))} / {ms(percentile(times[kind], 99))} ({len(times[kind])})"
            for kind in ("events only", "with snapshots")
        ]
        for length, times in results.items()
    ]
    return f"""\
The audit API (`GET /api/v1/audit/identities/{{id}}/state?at=`) is not there yet: this measures the
replay it will run, `EventStore.repository.get(id, version=v)` on SQLite through Sésame's own store
(personal fields unsealed on the way out), over one identity per history length, at versions drawn
uniformly from its history; with snapshots, one every {SNAPSHOT_EVERY} versions. The HTTP figure
will follow when the API lands. Two findings for whoever builds it: eventsourcing cannot snapshot
an `Identity` until a transcoding for `domain.identity.Link` is registered (this benchmark
registers `LinkAsDict`), and a snapshot's state is one JSON object the personal-data mapper does
not look into, so as things stand an email would sit unsealed in the snapshots table and survive
crypto-shredding.

{table(HEADERS, lines)}"""


def plot_audit(out: Path, results: dict[int, dict[str, list[float]]]) -> None:
    with plot(out, "bench-audit.png", "Audit: replay to a version against history length") as axes:
        lengths = list(results)
        for kind, colour in (("events only", "tab:orange"), ("with snapshots", "tab:blue")):
            for q, style in ((50, "o-"), (99, "x:")):
                axes.plot(
                    lengths,
                    [percentile(results[n][kind], q) * 1000 for n in lengths],
                    style,
                    color=colour,
                    label=f"{kind}, p{q}",
                )
        axes.set_xscale("log")
        axes.set_yscale("log")
        axes.set_xlabel("events in the identity's history")
        axes.set_ylabel("replay latency (ms)")
        axes.legend()
