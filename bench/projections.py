"""Projections: lag from an event's commit to the profile read model, idle and under login load.

A writer commits one event at a time through the public API (proposing an
email during an activation: one ``EmailProposed`` per call, applied by the
profile projection) while this process watches the store beside the server:
the notification ids the commit added, then the profile projection's
tracking position, polled every millisecond until it reaches them. The lag
runs from the event's own timestamp, taken just before the commit, to the
poll that sees it applied: a conservative measure (it includes the commit
itself and up to one poll interval).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
from eventsourcing.domain import Aggregate

from adapters.bootstrap import Container, bootstrap
from application.config import Settings
from application.throttle import EMAIL_CHOICE, GUESSES_FROM
from bench.common import Budget, bench_env, percentile
from bench.login import LoginOptions, start_load
from bench.report import Row, Section, ms, plot, table
from bench.server import Population
from tests.e2e.flows import address_of
from tests.e2e.harness import Sesame

TARGET = 0.250  # seconds, p99 under login load
WRITES_PER_SECOND = 10
POLL = 0.002
MISS = """\
The follower is a thread of `sesame serve`: under login load it shares the GIL and the two cores
with the worker threads, so an applied batch waits for the interpreter. Running projections as
their own process (`sesame projections`, the production topology) or capping in-flight hashes at
the number of cores would give it a core back."""


@dataclass(frozen=True)
class Lags:
    seconds: list[float]
    writes: int
    timeouts: int


def activations_needed(seconds: float) -> int:
    """Activations the lag watches write through: each may choose an email only
    ``EMAIL_CHOICE.free`` times before the throttle answers 429."""
    return math.ceil(1.5 * seconds * WRITES_PER_SECOND / EMAIL_CHOICE.free) + 1


def watch(sesame: Sesame, tokens: Iterator[str], budget: Budget) -> Lags:
    """Commit events one at a time through the API and time each to the read
    model. The writes move on to the next activation before its email choices
    run out, and to another client address (X-Forwarded-For, trusted from
    loopback) before its guesses do, as that many people would."""
    container = observer(sesame)
    follower = container.followers["profile"]
    lags, writes, timeouts = [], 0, 0
    last = container.store.position()
    token = ""
    try:
        with httpx.Client(base_url=sesame.url + "/api/v1", timeout=30) as http:
            for n in budget:
                tick = time.monotonic()
                if n % EMAIL_CHOICE.free == 0:
                    token = next(tokens)
                answer = http.post(
                    f"/activations/{token}/email", json={"email": f"lag{n % 2}@exemple.fr"},
                    headers=address_of(f"lag-{token}-{n // GUESSES_FROM.free}"),
                )
                answer.raise_for_status()
                writes += 1
                notifications = container.store.recorder.select_notifications(start=last + 1, limit=100)
                if not notifications:
                    continue
                last = notifications[-1].id
                deadline = time.monotonic() + 5
                while follower.position() < last and time.monotonic() < deadline:
                    time.sleep(POLL)
                seen = time.time()
                if follower.position() < last:
                    timeouts += 1
                    continue
                events = [container.store.mapper.to_domain_event(n) for n in notifications]
                lags += [seen - e.timestamp.timestamp() for e in events if isinstance(e, Aggregate.Event)]
                time.sleep(max(0.0, 1 / WRITES_PER_SECOND - (time.monotonic() - tick)))
    finally:
        container.stop()
    return Lags(lags, writes, timeouts)


def observer(sesame: Sesame) -> Container:
    """Sésame's own store and read-model access on the server's database, to read
    notifications and the tracking position as the server's follower writes them."""
    database = sesame.root / "var" / "sesame.db"
    return bootstrap(Settings.from_env(bench_env(DATABASE_URL=f"sqlite:///{database}")))


def run(sesame: Sesame, population: Population, options: LoginOptions, out: Path, work: Path) -> Section:
    count = int(options.seconds * WRITES_PER_SECOND)
    tokens = iter(population.activations)
    idle = watch(sesame, tokens, Budget(count, options.seconds / 2))
    load = start_load(sesame, population, options, work)
    time.sleep(2)  # let the load generator connect and get going
    loaded = watch(sesame, tokens, Budget(count, options.seconds - 2))
    logins = load.result()
    p99 = percentile(loaded.seconds, 99)
    rows = [
        Row(
            "projection lag p50 under login load", ms(percentile(loaded.seconds, 50)),
            f"{ms(percentile(idle.seconds, 50))} idle", None, "—", None,
        ),
        Row(
            "projection lag p99 under login load", ms(p99), f"{ms(percentile(idle.seconds, 99))} idle", None,
            "< 250 ms", p99 < TARGET,
        ),
    ]
    plot_lags(out, idle, loaded)
    body = f"""\
The profile projection on the embedded default (its follower is a thread of `sesame serve`, woken by
each commit). {WRITES_PER_SECOND} commits per second through `POST /api/v1/activations/{{id}}/email`, first
with the server otherwise idle, then while the login load of the Login section runs
({options.concurrency} connections, {logins['ok'] / max(logins['seconds'], 1e-9):,.1f} logins/s
meanwhile). Lag: from the event's timestamp (taken just before its commit) to the moment this
process, polling the tracking table every {POLL * 1000:g} ms, sees the projection's position reach the
event's notification id.

{table(LAG_HEADERS, [lag_row("idle", idle), lag_row("under login load", loaded)])}"""
    return Section("Projections", rows, body, ["bench-projections.png"], MISS)


LAG_HEADERS = ["", "events", "p50", "p99", "max", "timeouts (> 5 s)"]


def lag_row(name: str, lags: Lags) -> list[object]:
    seconds = lags.seconds
    return [
        name, len(seconds), ms(percentile(seconds, 50)), ms(percentile(seconds, 99)),
        ms(max(seconds, default=float("nan"))), lags.timeouts,
    ]


def plot_lags(out: Path, idle: Lags, loaded: Lags) -> None:
    with plot(out, "bench-projections.png", "Projection lag, commit to profile read model") as axes:
        for lags, label, colour in ((idle, "idle", "grey"), (loaded, "under login load", "tab:blue")):
            ordered = sorted(lag * 1000 for lag in lags.seconds)
            axes.plot(ordered, [(i + 1) / len(ordered) for i in range(len(ordered))], color=colour, label=label)
        axes.axvline(TARGET * 1000, color="tab:red", linestyle="--", label="target: p99 < 250 ms")
        axes.axhline(0.99, color="tab:red", linestyle=":", linewidth=0.8)
        axes.set_xscale("log")
        axes.set_xlabel("lag (ms, log scale)")
        axes.set_ylabel("share of events (CDF)")
        axes.legend()
