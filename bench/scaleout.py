"""Scale-out: calls that hash no password, with one and with two ``sesame serve``.

The production topology, as the end-to-end tests' harness starts it: a
PostgreSQL database of its own (created, then dropped), jobs on Redis, and
``sesame projections``, ``outbox`` and ``worker`` as processes beside
``sesame serve``. A second ``sesame serve`` of the same deployment runs on a
port of its own, as behind a load balancer; the load generator spreads its
connections over the ports in turn. Two calls that do not hash: ``GET
/api/v1/me`` (a session token) and refresh-token grants at ``/oidc/token``
(one rotating chain per connection, obtained by a whole authorization-code
sign-in, as a relying party gets it). Rounds alternate one server and two,
in an order that flips each round, so that a neighbour's burst does not fall
on one side only; the figure is the median of the rounds' ratios.

Every process's CPU is read from /proc around each round: the servers', the
background roles', the load generator's, and the whole machine's, because on
two cores the servers, PostgreSQL and the generator share what there is.
"""

from __future__ import annotations

import base64
import json
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import Child, CpuTimes, bench_env, cores, process_cpu_seconds
from bench.oidc import Signer
from bench.report import Row, Section, plot, table
from bench.server import populate
from tests.e2e import flows
from tests.e2e.harness import Sesame
from tests.e2e.oidc_flows import discovery, register

WARMUP = 2
BROKER = "redis://127.0.0.1:6379/9"
TARGET = 1.7
CALLS = {"me": "`GET /api/v1/me`", "refresh": "refresh-token grant"}


@dataclass(frozen=True)
class Round:
    call: str
    servers: int
    result: dict[str, Any]  # the load generator's
    serve_cpu: float  # seconds, every serve process
    roles_cpu: float  # seconds, projections + outbox + worker
    machine: CpuTimes

    @property
    def rate(self) -> float:
        return float(self.result["ok"]) / self.result["seconds"] if self.result["seconds"] else 0.0

    def per_request_ms(self, seconds: float) -> float:
        return 1000 * seconds / max(1, int(self.result["all_requests"]))


class Deployment:
    """The production topology with two ``serve`` ports, and the files of
    what the load generator sends (session tokens, refresh chains)."""

    def __init__(self, root: Path, people: int, chains: int) -> None:
        self.sesame = Sesame(root, bench_env(BROKER_URL=BROKER, THROTTLE_DELAY_SCALE="0"), topology="production")
        self.sesame.env["PUBLIC_URL"] = self.sesame.url  # the issuer is the address the clients reach
        self.files: dict[str, Path] = {}
        self.chains, self.people, self.root = chains, people, root

    def start(self) -> None:
        sesame = self.sesame
        sesame.serve()
        population = populate(sesame, self.people, activations=0)
        tokens = [{"token": flows.log_in(sesame, p["email"])["Authorization"].split()[1]} for p in population.people]
        self.files["me"] = self.root / "sessions.json"
        self.files["me"].write_text(json.dumps(tokens))
        client = register(sesame, "Bench extranet")
        signer = Signer(sesame, client, discovery(sesame))
        emails = [p["email"] for p in population.people]
        basic = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
        chains = [
            {"refresh_token": signer.sign_in(emails[n % len(emails)])["refresh_token"], "basic": basic}
            for n in range(self.chains)
        ]
        signer.close()
        self.files["refresh"] = self.root / "chains.json"
        self.files["refresh"].write_text(json.dumps(chains))
        self.second = sesame.serve_again()
        self.second.close()
        self.urls = [sesame.url, f"http://127.0.0.1:{self.serves()[1].args[3]}"]

    def serves(self) -> list[Any]:
        return [p for p in self.sesame.processes if isinstance(p.args, list) and p.args[1] == "serve"]

    def roles(self) -> list[Any]:
        return [p for processes in self.sesame.roles.values() for p in processes]

    def round(self, call: str, servers: int, concurrency: int, seconds: float, work: Path) -> Round:
        """One round of load on the first ``servers`` serve processes."""
        cpu = [process_cpu_seconds(p.pid) for p in self.serves() + self.roles()]
        machine = CpuTimes.now()
        result = Child(
            "bench.loadgen", "--call", call, "--url", ",".join(self.urls[:servers]), "--people", str(self.files[call]),
            "--concurrency", str(concurrency), "--seconds", str(seconds), "--warmup", str(WARMUP),
            env=bench_env(), cwd=work, timeout=seconds + 120,
        ).result()
        if call == "refresh":  # the chains rotated: the next round goes on from their newest tokens
            self.files[call].write_text(json.dumps(result["people"]))
        after = [process_cpu_seconds(p.pid) for p in self.serves() + self.roles()]
        spent = [b - a for a, b in zip(cpu, after, strict=True)]
        return Round(call, servers, result, sum(spent[:2]), sum(spent[2:]), CpuTimes.now() - machine)

    def stop(self) -> None:
        self.sesame.stop()


def run(people: int, rounds: int, seconds: float, concurrency: int, out: Path, work: Path) -> Section:
    root = work / "scaleout"
    root.mkdir(parents=True, exist_ok=True)
    deployment = Deployment(root, people, concurrency)
    measured: list[Round] = []
    try:
        deployment.start()
        for n in range(rounds):
            for servers in (1, 2) if n % 2 == 0 else (2, 1):
                for call in CALLS:
                    measured.append(deployment.round(call, servers, concurrency, seconds, work))
    finally:
        deployment.stop()
    rows = []
    for call, name in CALLS.items():
        one, two = rates(measured, call, 1), rates(measured, call, 2)
        ratio = statistics.median(b / a for a, b in zip(one, two, strict=True) if a)
        rows.append(Row(
            f"{name} per second, 2 `serve` / 1 (PostgreSQL + Redis)", f"{statistics.median(two):,.1f} /s with 2",
            f"{statistics.median(one):,.1f} /s with 1", ratio, f"≥ {TARGET}", ratio >= TARGET,
        ))
    plot_scaleout(out, measured)
    body = describe(measured, people, rounds, seconds, concurrency)
    return Section("Scale-out", rows, body, ["bench-scaleout.png"], miss(measured))


def rates(measured: list[Round], call: str, servers: int) -> list[float]:
    return [r.rate for r in measured if r.call == call and r.servers == servers]


def describe(measured: list[Round], people: int, rounds: int, seconds: float, concurrency: int) -> str:
    lines = []
    for i, r in enumerate(measured):
        wall = max(r.result["seconds"], 1e-9) + WARMUP
        lines.append([
            i // (2 * len(CALLS)) + 1, CALLS[r.call], r.servers, f"{r.rate:,.1f}",
            f"{r.per_request_ms(r.serve_cpu):.2f}", f"{r.serve_cpu / wall:.2f}",
            f"{r.per_request_ms(r.roles_cpu):.2f}",
            f"{r.per_request_ms(r.result['cpu_seconds']):.2f}", f"{r.result['cpu_seconds'] / wall:.2f}",
            f"{r.per_request_ms(r.machine.busy):.2f}", f"{r.machine.share(r.machine.busy):.0%}",
            ", ".join(f"{s}: {n}" for s, n in sorted(r.result["statuses"].items())),
        ])
    bounds = ", ".join(
        f"{CALLS[call]} {top:,.0f} /s ({ratio:.2f} × one server's median)"
        for call in CALLS for top, ratio in [ceiling(measured, call)]
    )
    return f"""\
On the production topology (a PostgreSQL database of its own, Redis as the broker, `sesame
projections`, `outbox` and `worker` as processes of their own), {people} people activated through
the API, with one `sesame serve`, then two on ports of their own (the load generator,
`bench/loadgen.py --url A,B`, its own asyncio process, spreading its {concurrency} keep-alive
connections over them in turn). Two calls that hash no password: `GET /api/v1/me` with the people's
session tokens, and refresh-token grants at `POST /oidc/token` (client authentication by HTTP Basic,
{concurrency} chains obtained by whole authorization-code sign-ins, each grant presenting the token
the previous one returned). {rounds} rounds of {seconds:g} s per call and number of servers, after
{WARMUP} s of warm-up each, one server and two alternating in an order that flips every round; the
figure is the median of the rounds' ratios (two servers' rate over one server's in the same round).

The machine has {cores()} cores, shared with three other agents' builds and tests: the servers,
PostgreSQL, the background roles and the load generator all run on them. So beside each rate,
the CPU each request cost (per request answered or not, in ms): the servers' (every `serve` process,
all threads), the background roles', the load generator's, and the whole machine's (neighbours
included), with the cores-worth each used over the round ("cores" = CPU seconds / wall seconds).
One `serve` is one Python process: its request handling is bound by one GIL, so it can use about
one core at most; two can use two, if nothing else needs them. The cores' bound on each call, its
machine CPU per request with two servers over {cores()} cores: {bounds}.

{table([
        "round", "call", "serve", "per second", "serve CPU ms/req", "serve cores", "roles CPU ms/req",
        "load generator CPU ms/req", "load generator cores", "machine CPU ms/req", "machine busy", "answers",
    ], lines)}"""


def ceiling(measured: list[Round], call: str) -> tuple[float, float]:
    """What these cores allow: (calls/s if every core did nothing but this call, at the machine's
    CPU per call with two servers; that rate over one server's). The machine's CPU per call counts
    PostgreSQL, Redis, the background roles and the load generator with the servers."""
    two = [r for r in measured if r.call == call and r.servers == 2]
    per_call = statistics.median(r.machine.busy / max(1, int(r.result["all_requests"])) for r in two)
    top = cores() / per_call if per_call else float("nan")
    return top, top / statistics.median(rates(measured, call, 1))


def miss(measured: list[Round]) -> str:
    bounds = "; ".join(
        f"{CALLS[call]}: about {top:,.0f} /s, {ratio:.2f} × one server's rate"
        for call in CALLS for top, ratio in [ceiling(measured, call)]
    )
    return f"""\
The ratio is bounded by the cores, and the table shows by how much. Each call's machine CPU per
request (servers, PostgreSQL, Redis, roles, load generator and the neighbours' share) over
{cores()} cores gives about the most calls per second this machine can serve whatever the number of
servers (an estimate: the CPU is counted over the whole round, start-up included): {bounds}.
Where that bound is under 1.7 × one server's rate, one `serve` already uses
about one core (its GIL's limit) and PostgreSQL, the generator and the neighbours most of the
other, so a second server has little free core to run on. The load generator is not the
bottleneck: it uses a small fraction of a core (the "load generator cores" column). The servers
share nothing but PostgreSQL and Redis (no lock, no in-process state); what would show the whole
ratio is the same run on four free cores or more (`make bench BENCH_ARGS="--only scaleout"`), or
the servers on cores of their own (`taskset`) and PostgreSQL and the generator on others."""


def plot_scaleout(out: Path, measured: list[Round]) -> None:
    with plot(out, "bench-scaleout.png", "Scale-out: calls/s with 1 and 2 sesame serve (PostgreSQL + Redis)") as axes:
        for (call, servers), colour in zip(
            [(c, s) for c in CALLS for s in (1, 2)], ("tab:blue", "tab:cyan", "tab:orange", "tab:red"), strict=True
        ):
            values = rates(measured, call, servers)
            axes.plot(range(1, len(values) + 1), values, "o-", color=colour, label=f"{call}, {servers} serve")
        axes.set_xlabel("round")
        axes.set_ylabel("calls per second")
        axes.set_ylim(bottom=0)
        axes.legend()
