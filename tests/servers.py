"""The PostgreSQL and Redis the tests run against.

The machine's own when they answer at the configured addresses
(``SESAME_TEST_POSTGRES``, ``SESAME_TEST_REDIS``; CI's servers on 127.0.0.1),
else throwaway servers of this test run's own: Debian's ``postgresql`` and
``redis-server`` (``make test`` installs them, as it installs Chromium),
started on first use on free loopback ports, as an unprivileged user, in a
temporary directory, and stopped with the run. A newcomer's laptop, where
nothing listens, thus runs the production topology all the same.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest

CONFIGURED_POSTGRES = os.environ.get("SESAME_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")
CONFIGURED_REDIS = os.environ.get("SESAME_TEST_REDIS", "redis://127.0.0.1:6379/0")
PR_SET_PDEATHSIG = 1
Account = pwd.struct_passwd | None  # a server's unprivileged user; None: the tests' own
PRCTL = ctypes.CDLL(None, use_errno=True).prctl


@functools.cache
def postgres() -> str:
    """A PostgreSQL server's URL, ending in ``/``: add a database name."""
    if postgres_answers(CONFIGURED_POSTGRES):
        return CONFIGURED_POSTGRES
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not initdb:
        pytest.skip(f"no PostgreSQL at {CONFIGURED_POSTGRES}, and no Debian postgresql (`make test` installs it)")
    return start_postgres(Path(initdb[-1]).parent)


@functools.cache
def redis() -> str:
    """A Redis server's URL (database 0)."""
    if redis_answers(CONFIGURED_REDIS):
        return CONFIGURED_REDIS
    server = shutil.which("redis-server")
    if not server:
        pytest.skip(f"no Redis at {CONFIGURED_REDIS}, and no Debian redis-server (`make test` installs it)")
    return start_redis(server)


def postgres_answers(url: str) -> bool:
    """Whether the server takes a connection (one that answers but refuses
    us, like a freshly installed Debian cluster's password rule, does not)."""
    import psycopg

    try:
        psycopg.connect(url + "postgres", connect_timeout=3).close()
    except psycopg.OperationalError:
        return False
    return True


def redis_answers(url: str) -> bool:
    import redis as redis_client

    try:
        return bool(redis_client.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping())
    except redis_client.RedisError:
        return False


def start_postgres(bin_dir: Path) -> str:
    """``initdb`` and ``postgres`` in a temporary directory, trusting loopback
    connections, tuned for throwaway data (no fsync)."""
    user = unprivileged("postgres")
    root = private_directory("sesame-postgres-", user)
    data = root / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale"]
    run_as(user, [*initdb, "--no-sync"])
    port = free_port()
    settings = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off", "max_connections": "300"}
    command = [str(bin_dir / "postgres"), "-D", str(data), "-p", str(port), "-h", "127.0.0.1", "-k", str(root)]
    command += [arg for name, value in settings.items() for arg in ("-c", f"{name}={value}")]
    # SIGINT is PostgreSQL's fast shutdown: it does not wait for the clients to leave.
    url = f"postgresql://postgres@127.0.0.1:{port}/"
    serve(user, root, command, signal.SIGINT, lambda: postgres_answers(url), "PostgreSQL")
    return url


def start_redis(server: str) -> str:
    user = unprivileged("redis")
    root = private_directory("sesame-redis-", user)
    port = free_port()
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(root)]
    command += ["--save", "", "--appendonly", "no"]
    url = f"redis://127.0.0.1:{port}/0"
    serve(user, root, command, signal.SIGTERM, lambda: redis_answers(url), "Redis")
    return url


def serve(
    user: Account, root: Path, command: list[str], stop: signal.Signals, ready: Callable[[], bool], name: str
) -> None:
    """Start ``command`` in ``root`` and wait until ``ready()``; at the run's
    end stop it with ``stop`` and remove ``root``. Should the test run die
    without cleaning up, the kernel sends the server ``stop`` (parent death)."""
    log = (root / "server.log").open("ab")
    uid, gid, groups = credentials(user)
    process = subprocess.Popen(
        command, cwd=root, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env=server_env(user),
        user=uid, group=gid, extra_groups=groups, preexec_fn=lambda: die_with_parent(stop),
    )
    atexit.register(shut_down, process, stop, root)
    deadline = time.monotonic() + 60
    while not ready():
        if process.poll() is not None or time.monotonic() > deadline:
            log_text = (root / "server.log").read_text(errors="replace")
            raise RuntimeError(f"the throwaway {name} did not start: {log_text}")
        time.sleep(0.1)


def shut_down(process: subprocess.Popen[bytes], stop: signal.Signals, root: Path) -> None:
    process.send_signal(stop)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    shutil.rmtree(root, ignore_errors=True)


def unprivileged(name: str) -> Account:
    """The system user a package created for its server (initdb refuses root),
    when the tests run as root; ``None`` (ourselves) otherwise."""
    return pwd.getpwnam(name) if os.geteuid() == 0 else None


def private_directory(prefix: str, user: Account) -> Path:
    root = Path(tempfile.mkdtemp(prefix=prefix))  # mode 0700: only its owner enters
    if user is not None:
        os.chown(root, user.pw_uid, user.pw_gid)
    return root


def run_as(user: Account, command: list[str]) -> None:
    uid, gid, groups = credentials(user)
    env = server_env(user)
    subprocess.run(command, check=True, capture_output=True, env=env, user=uid, group=gid, extra_groups=groups)


def credentials(user: Account) -> tuple[int | None, int | None, list[int] | None]:
    """Popen's user, group and supplementary groups: the account's, or ours."""
    if user is None:
        return None, None, None
    return user.pw_uid, user.pw_gid, []


def server_env(user: Account) -> dict[str, str]:
    home = user.pw_dir if user else os.environ.get("HOME", "/")
    return {"PATH": "/usr/bin:/bin", "HOME": home, "LC_ALL": "C.UTF-8"}


def die_with_parent(stop: signal.Signals) -> None:
    """Run in the child before exec, after it took the server's user."""
    PRCTL(PR_SET_PDEATHSIG, int(stop))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
