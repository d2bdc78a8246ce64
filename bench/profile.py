"""Where a process spends its time, from py-spy's folded stacks, in Sésame's terms.

Each sample is charged to the innermost frame of Sésame's own code (not
counting the thin SQL wrappers), so the summary reads "KeyTable.ensure 24 %"
rather than "psycopg 60 %": the time of a library call is charged to the
Sésame function that made it, which is where a fix would go. Samples with no
Sésame frame are charged to the library at the top of their stack. The
figures therefore name the code that costs, as of the run that took them,
however the code has changed since the last person read it.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

SESAME = ("application/", "adapters/", "domain/", "projections/", "web/")
PLUMBING = ("adapters/database.py", "adapters/sqlite_database.py", "adapters/postgres_database.py")
ENTRY_POINTS = ("serve", "main", "run_roles")  # adapters/cli.py: everything runs under them
FRAME = re.compile(r"^(?P<function>.*) \((?P<path>[^():]+)(?::\d+)?\)$")


def py_spy(*args: str) -> list[str]:
    """The py-spy command of this environment (it ships in the ``bench`` extra)."""
    return [str(Path(sys.executable).parent / "py-spy"), *args]


def record(
    output: Path, seconds: float, *target: str, idle: bool = False, env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start py-spy on ``target`` (``--pid N`` or ``-- command...``) for at most
    ``seconds``; ``idle`` counts waiting threads too (wall clock, not CPU)."""
    flags = ["--idle"] if idle else []
    return subprocess.Popen(
        py_spy("record", "--format", "raw", "--rate", "200", "--duration", str(max(1, int(seconds))),
               "--output", str(output), "--nonblocking", *flags, *target),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd,
    )


def charge(stack: list[str]) -> str:
    """The name a sample is charged to (see the module's docstring)."""
    frames = [FRAME.match(frame.strip()) for frame in stack]
    for match in reversed(frames):
        if not match or not match["path"].startswith(SESAME) or match["path"].startswith(PLUMBING):
            continue
        if match["path"] == "adapters/cli.py" and match["function"] in ENTRY_POINTS:
            break
        return match["function"]
    for match in reversed(frames):
        if match:
            return match["path"].split("/")[0].removesuffix(".py")
    return "other"


def summary(path: Path, top: int = 8, within: str = "") -> str:
    """The heaviest charges, as a sentence of shares; with ``within``, only the
    samples whose stack holds that text (the measured call, not the idle threads)."""
    if not path.exists() or path.stat().st_size == 0:
        return "(py-spy left no profile: is ptrace allowed here?)"
    charges: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit() and within in stack:
            charges[charge(stack.split(";"))] += int(count)
    total = sum(charges.values()) or 1
    return ", ".join(f"`{name}` {100 * n / total:.0f} %" for name, n in charges.most_common(top))
