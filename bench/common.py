"""What every benchmark needs: bounded loops, percentiles, child processes, the machine.

Loops are bounded in count *and* time so that a slow or overloaded machine
shortens a run instead of hanging ``make bench``; children speak JSON on their
last stdout line so that a measurement can run in its own process (its own
GIL, its own peak RSS) and still hand back numbers.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# A fixed key: the keyed ids of imported contracts are then the same from run
# to run, and no benchmark writes a generated key into the working tree.
BENCH_SECRET = "bench-secret-key-" + "b" * 32
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Budget:
    """At most ``count`` iterations and at most ``seconds`` of wall time."""

    count: int
    seconds: float

    def __iter__(self) -> Iterator[int]:
        deadline = time.monotonic() + self.seconds
        for i in range(self.count):
            if time.monotonic() >= deadline:
                return
            yield i


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100); NaN for no values, so a figure
    that could not be measured shows as such instead of as zero."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def bench_env(**extra: str) -> dict[str, str]:
    """The environment of every Sésame process the suite starts: this one's,
    with the bench secret, and no DATABASE_URL inherited by accident."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL", "SMTP_URL")}
    env.update(SECRET_KEY=BENCH_SECRET, PYTHONPATH=str(REPO), **extra)
    return env


class Child:
    """``python -m module args`` running beside this process; ``result()`` is the
    JSON object it prints last. Its stderr goes to ``cwd/<module>.log``."""

    def __init__(self, module: str, *args: str, env: dict[str, str], cwd: Path, timeout: float) -> None:
        self.name, self.timeout, self.cwd = f"{module} {' '.join(args)}", timeout, cwd
        self.log = cwd / f"{module.rsplit('.', 1)[-1]}.log"
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", module, *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=log
            )

    def result(self) -> dict[str, Any]:
        try:
            out, _ = self.process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            raise RuntimeError(f"{self.name} ran past {self.timeout:.0f}s") from None
        if self.process.returncode != 0:
            raise RuntimeError(f"{self.name} exited {self.process.returncode}; see {self.log}")
        result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
        return result


def run_child(module: str, *args: str, env: dict[str, str], cwd: Path, timeout: float) -> dict[str, Any]:
    """Run a child to its end and return its JSON result."""
    return Child(module, *args, env=env, cwd=cwd, timeout=timeout).result()


def peak_rss_kib() -> int:
    """This process's peak resident set so far, in KiB.

    VmHWM, not ``getrusage``'s ru_maxrss: Linux carries ru_maxrss across
    fork and exec, so a child started by a big parent would report the
    parent's size as its own peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    raise RuntimeError("no VmHWM in /proc/self/status")


def machine() -> dict[str, str]:
    """What the figures were taken on, for the report's header."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "CPU": model,
        "cores": f"{usable} usable of {os.cpu_count()}",
        "memory": _memory(),
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": f"{platform.system()} {platform.release()}",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _memory() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def cores() -> int:
    """The cores this process may run on: the physical limit of every ratio."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class CpuTimes:
    """The whole machine's CPU time (seconds, summed over cores) by state."""

    busy: float
    idle: float
    steal: float  # taken by the hypervisor for other guests: the noise made visible

    @classmethod
    def now(cls) -> CpuTimes:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
        user, nice, system, idle, iowait, irq, softirq, steal = (values + [0] * 8)[:8]
        tick = os.sysconf("SC_CLK_TCK")
        return cls((user + nice + system + irq + softirq) / tick, (idle + iowait) / tick, steal / tick)

    def __sub__(self, other: CpuTimes) -> CpuTimes:
        return CpuTimes(self.busy - other.busy, self.idle - other.idle, self.steal - other.steal)

    def share(self, part: float) -> float:
        total = self.busy + self.idle + self.steal
        return part / total if total else math.nan
