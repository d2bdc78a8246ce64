"""``python -m bench``: run the benchmarks, write docs/benchmarks.md and its plots.

Login and Projections share one ``sesame serve`` (the projection lag is
measured under the login load); Import, Audit and Search bring their own
databases, Scale-out its own production topology (PostgreSQL + Redis), Single sign-on
its own ``sesame serve`` (its issuer is its own address).
``--only search,scaleout`` runs some of them and keeps the other sections of
docs/benchmarks.md as they were.
Every size, duration and count is an option with a default that keeps the
whole run under a quarter of an hour on two cores; ``--import-sizes
10000,100000,1000000`` adds the million-row file (about a quarter of an hour
more), ``--search-sizes 100000,1000000`` the million identities (populated
directly in the read models, several minutes per backend).
Throughputs are medians over rounds that alternate with their limits, never
best-of; CPU per operation stands beside wall-clock figures, because the
machine is shared.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import audit, importing, login, oidc, projections, runners, scaleout, search, server
from bench.common import REPO, cores, machine
from bench.report import Pending, Row, Section, write

BENCHMARKS = ("login", "import", "projections", "audit", "search", "scaleout", "oidc", "runners")
TITLES = {
    "login": "Login", "import": "Import", "projections": "Projections", "audit": "Audit", "search": "Search",
    "scaleout": "Scale-out", "oidc": "Single sign-on", "runners": "Projection runners",
}
FAILED: list[str] = []  # benchmarks that raised: the run still writes the report, then exits 1
PENDING: list[Pending] = []


def sizes(text: str) -> list[int]:
    return sorted({int(part.replace("_", "")) for part in text.split(",") if part.strip()})


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only", default=",".join(BENCHMARKS),
        help=f"comma-separated subset of {', '.join(BENCHMARKS)}; "
        "the other sections of an existing benchmarks.md are kept as they were",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs", help="where benchmarks.md and the plots go")
    parser.add_argument("--work", type=Path, default=REPO / "var" / "bench", help="scratch directory (emptied first)")
    parser.add_argument("--login-rounds", type=int, default=3)
    parser.add_argument("--login-seconds", type=float, default=10, help="of load per round")
    parser.add_argument("--limit-seconds", type=float, default=4, help="of argon2id alone before and after each round")
    parser.add_argument("--concurrency", type=int, default=2 * cores(), help="connections of the login load")
    parser.add_argument("--people", type=int, default=16, help="activated people the load logs in")
    parser.add_argument("--lag-seconds", type=float, default=20, help="of commits watched under login load")
    parser.add_argument(
        "--profile", action="store_true", help="profile the server under load even when the target is met"
    )
    parser.add_argument(
        "--import-sizes", type=sizes, default=[10_000, 100_000], help="rows per CSV, e.g. 10000,100000,1000000"
    )
    parser.add_argument("--import-timeout", type=float, default=3600, help="seconds one import may take")
    parser.add_argument("--audit-lengths", type=sizes, default=[10, 100, 1_000, 10_000], help="events per identity")
    parser.add_argument("--audit-seconds", type=float, default=3, help="of replays per length and variant")
    parser.add_argument(
        "--search-sizes", type=sizes, default=[100_000],
        help="identities, e.g. 100000,1000000 (the million takes minutes of population per backend)",
    )
    parser.add_argument("--search-backends", default="sqlite,postgresql", help="comma-separated: sqlite, postgresql")
    parser.add_argument("--search-seconds", type=float, default=20, help="of searches per size and backend")
    parser.add_argument("--scaleout-rounds", type=int, default=2, help="rounds with 1 serve, and as many with 2")
    parser.add_argument("--scaleout-seconds", type=float, default=8, help="of load per round, call and servers")
    parser.add_argument(
        "--scaleout-concurrency", type=int, default=8, help="connections of the scale-out load (and refresh chains)"
    )
    parser.add_argument("--oidc-seconds", type=float, default=10, help="of sign-ins, then of refresh grants")
    parser.add_argument("--runner-identities", type=int, default=300, help="of 10 events each, projection runners")
    parser.add_argument("--runner-rounds", type=int, default=3, help="of each projection runner, alternating")
    args = parser.parse_args()
    args.only = [name.strip() for name in args.only.split(",")]
    unknown = set(args.only) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return commit + (" with uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else "")


def main() -> int:
    args = options()
    args.work = args.work.resolve()  # the servers and CLIs it starts run in directories of their own
    shutil.rmtree(args.work, ignore_errors=True)
    args.work.mkdir(parents=True)
    args.out.mkdir(parents=True, exist_ok=True)
    taken = {**machine(), "Sésame": code_version()}
    sections: dict[str, Section] = {}
    started = time.monotonic()
    login_options = login.LoginOptions(
        args.login_rounds, args.login_seconds, args.limit_seconds, args.concurrency, args.profile
    )
    if {"login", "projections"} & set(args.only):
        with server.running(args.work / "serve") as sesame:
            population = server.populate(sesame, args.people, projections.activations_needed(args.lag_seconds))
            if "login" in args.only:
                sections["login"] = step(
                    "login", lambda: login.run(sesame, population, login_options, args.out, args.work)
                )
            if "projections" in args.only:
                lag_options = login.LoginOptions(1, args.lag_seconds, args.limit_seconds, args.concurrency, False)
                sections["projections"] = step(
                    "projections", lambda: projections.run(sesame, population, lag_options, args.out, args.work)
                )
    if "import" in args.only:
        sections["import"] = step(
            "import", lambda: importing.run(args.import_sizes, args.out, args.work, args.import_timeout)
        )
    if "audit" in args.only:
        sections["audit"] = step(
            "audit", lambda: audit.run(args.audit_lengths, args.out, args.work, args.audit_seconds)
        )
    if "search" in args.only:
        backends = [b.strip() for b in args.search_backends.split(",") if b.strip()]
        sections["search"] = step(
            "search", lambda: search.run(args.search_sizes, backends, args.out, args.work, args.search_seconds)
        )
    if "scaleout" in args.only:
        sections["scaleout"] = step("scaleout", lambda: scaleout.run(
            args.people, args.scaleout_rounds, args.scaleout_seconds, args.scaleout_concurrency, args.out, args.work,
        ))
    if "oidc" in args.only:
        sections["oidc"] = step("oidc", lambda: oidc.run(
            args.people, args.oidc_seconds, args.limit_seconds, args.concurrency, args.out, args.work))
    if "runners" in args.only:
        sections["runners"] = step(
            "runners", lambda: runners.run(args.runner_identities, args.runner_rounds, args.out, args.work)
        )
    ordered = [sections[name] for name in BENCHMARKS if name in sections]
    # what `make bench` ran, BENCH_ARGS included
    command = "python -m bench" + "".join(f" {arg}" for arg in sys.argv[1:])
    write(args.out / "benchmarks.md", taken, ordered, PENDING, command, [TITLES[name] for name in BENCHMARKS])
    print(f"bench: wrote {args.out / 'benchmarks.md'} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    if FAILED:
        print(f"bench: failed: {', '.join(FAILED)}", file=sys.stderr)
    return 1 if FAILED else 0


def step(name: str, run: Callable[[], Section]) -> Section:
    """Run one benchmark, saying so on stderr (a run takes minutes). A benchmark
    that fails becomes a missed section carrying its error, so the others'
    minutes of measurement still reach the report."""
    print(f"bench: {name}...", file=sys.stderr, flush=True)
    began = time.monotonic()
    try:
        section = run()
    except Exception as error:  # reported, and the exit status says so
        traceback.print_exc()
        FAILED.append(name)
        return Section(
            TITLES[name],
            [Row("benchmark run", "failed", "—", None, "runs", False)],
            f"The benchmark failed: `{type(error).__name__}: {error}`.",
            [],
            "it did not run to the end; see the error above.",
        )
    print(f"bench: {name} done in {time.monotonic() - began:.0f} s", file=sys.stderr, flush=True)
    return section
