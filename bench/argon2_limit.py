"""The physical limit of a login: argon2id verifications per second on every core.

A login is one verification of an argon2id hash, so no server can log people
in faster than the cores verify hashes. Each core gets its own process (no GIL
to share, nothing else to do), with the very parameters Sésame is configured
with, hashing the very password the load generator sends.

``thread_rate`` is a diagnostic, not a limit: the same loop in threads of one
process, as a server's thread pool runs it, to show what running more hashes
at once than there are cores costs (each one walks its own 19 MiB).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass

from adapters.argon2_hasher import Argon2Hasher
from application.config import Settings
from bench.common import Budget

Params = tuple[int, int, int]


@dataclass(frozen=True)
class Rate:
    """Verifications per second, and the CPU one took: a co-tenant that steals
    cores lowers the first, hardly the second, so the second explains the first."""

    per_second: float
    cpu_ms: float


def _params(settings: Settings) -> Params:
    return settings.argon2_memory_kib, settings.argon2_time_cost, settings.argon2_parallelism


def _verify_loop(params: Params, password: str, budget: Budget) -> tuple[int, float, float]:
    """(verifications, seconds, CPU seconds) of one worker verifying back to back."""
    argon2 = Argon2Hasher(*params)
    password_hash = argon2.hash(password)
    argon2.verify(password_hash, password)  # warm: the first call maps the memory
    started, cpu = time.perf_counter(), time.thread_time()
    done = sum(1 for _ in budget if argon2.verify(password_hash, password))
    return done, time.perf_counter() - started, time.thread_time() - cpu


def _rate(pool: Executor, workers: int, settings: Settings, password: str, seconds: float) -> Rate:
    budget = Budget(count=100_000, seconds=seconds)
    with pool:
        runs = list(pool.map(_verify_loop, [_params(settings)] * workers, [password] * workers, [budget] * workers))
    done = sum(run[0] for run in runs)
    return Rate(
        sum(n / elapsed for n, elapsed, _ in runs if elapsed > 0), 1000 * sum(run[2] for run in runs) / max(1, done)
    )


def verification_rate(settings: Settings, password: str, processes: int, seconds: float) -> Rate:
    """Verifications per second, ``processes`` processes verifying at once."""
    return _rate(ProcessPoolExecutor(max_workers=processes), processes, settings, password, seconds)


def thread_rate(settings: Settings, password: str, threads: int, seconds: float) -> Rate:
    """Verifications per second, ``threads`` threads of this process verifying at once."""
    return _rate(ThreadPoolExecutor(max_workers=threads), threads, settings, password, seconds)
