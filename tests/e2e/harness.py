"""Driving real ``sesame`` processes: a server on a free port, the CLI, the mail.

A deployment runs on one of two topologies. ``embedded``: SQLite, jobs and
mail (a Maildir) inside the one ``sesame serve``. ``production``: a database
of its own on PostgreSQL, jobs on Redis, an SMTP relay in this test process,
and ``sesame projections``, ``outbox`` and ``worker`` as processes of their own
beside ``sesame serve``. Tests read both the same way.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import TEST_SECRET

SESAME = str(Path(sys.executable).parent / "sesame")
POSTGRES = os.environ.get("SESAME_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/")
REDIS = os.environ.get("SESAME_TEST_REDIS", "redis://127.0.0.1:6379/0")
TOPOLOGIES = ("embedded", "production")
ROLES = {"embedded": (), "production": ("projections", "outbox", "worker")}


def selected_topologies() -> list[str]:
    """``SESAME_TOPOLOGIES`` (comma-separated), ``embedded`` when unset: the
    embedded topology needs nothing installed, the production one PostgreSQL
    and Redis (``SESAME_TEST_POSTGRES``, ``SESAME_TEST_REDIS``)."""
    chosen = [t.strip() for t in os.environ.get("SESAME_TOPOLOGIES", "embedded").split(",") if t.strip()]
    unknown = set(chosen) - set(TOPOLOGIES)
    if unknown:
        raise pytest.UsageError(f"SESAME_TOPOLOGIES: unknown {sorted(unknown)}; choose among {TOPOLOGIES}")
    return chosen


@contextmanager
def deployment(root: Path, topology: str, **env: str) -> Iterator[Sesame]:
    """A served deployment, stopped and cleaned up whatever happens."""
    sesame = Sesame(root, {"SECRET_KEY": TEST_SECRET, "PUBLIC_URL": "http://portal.test", **env}, topology=topology)
    try:
        sesame.serve()
        yield sesame
    finally:
        sesame.stop()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until(condition: Any, what: str, timeout: float = 90) -> None:
    """Poll ``condition`` until it holds; the deadline only bounds a hung run."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {timeout}s")
        time.sleep(0.05)


class Maildir:
    """The embedded mode's mail: one file per message under ``var/mail/new``."""

    def __init__(self, root: Path) -> None:
        self.folder = root / "var" / "mail" / "new"

    def messages(self) -> list[EmailMessage]:
        paths = sorted(self.folder.glob("*"), key=os.path.getmtime)
        return [parse_mail(p.read_bytes()) for p in paths]

    def close(self) -> None:
        pass


class SmtpRelay:
    """An SMTP relay (aiosmtpd) in the test process, keeping what it accepted in
    order, and in ``received`` every message whose DATA it read, answered or
    not; ``stop`` and ``start`` play an outage, ``delay`` a slow relay,
    ``holding`` one that keeps its answer to DATA until cleared, and it refuses
    the addresses in ``unknown`` for good."""

    def __init__(self) -> None:
        self.port = free_port()
        self.accepted: list[EmailMessage] = []
        self.received: list[EmailMessage] = []
        self.delay = 0.0
        self.holding = False
        self.unknown: set[str] = set()
        self._lock = threading.Lock()
        self.controller: Any = None
        self.start()

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if address in self.unknown:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook name
        with self._lock:
            self.received.append(parse_mail(envelope.content))
        await asyncio.sleep(self.delay)
        while self.holding:
            await asyncio.sleep(0.05)
        # No await from here: the message is kept and the 250 written in one
        # step of the loop, so a stop never keeps a message the client saw refused.
        with self._lock:
            self.accepted.append(parse_mail(envelope.content))
        return "250 Message accepted for delivery"

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def messages(self) -> list[EmailMessage]:
        with self._lock:
            return list(self.accepted)

    close = stop


class Sesame:
    """One deployment under test: its directory, environment and processes."""

    def __init__(self, root: Path, env: dict[str, str], topology: str = "embedded") -> None:
        self.root = root
        self.topology = topology
        self.database: str | None = None
        if topology == "production":
            self.database = create_database()
            self.relay = SmtpRelay()
            self.mailbox: Maildir | SmtpRelay = self.relay
            env = {
                "DATABASE_URL": POSTGRES + self.database, "BROKER_URL": REDIS,
                "SMTP_URL": f"smtp://127.0.0.1:{self.relay.port}", **env,
            }
        else:
            self.mailbox = Maildir(root)
        self.env = {**os.environ, **env}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.roles: dict[str, list[subprocess.Popen[bytes]]] = {}
        self.logs: dict[subprocess.Popen[bytes], Path] = {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url + "/api/v1", timeout=30)

    def start(self, *command: str, log: str) -> subprocess.Popen[bytes]:
        with (self.root / log).open("ab") as out:
            process = subprocess.Popen(
                [SESAME, *command], cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        self.processes.append(process)
        return process

    def serve(self) -> None:
        """``sesame serve``, and the topology's background processes beside it;
        returns once all of them run."""
        launched = [self._launch(role) for role in ROLES[self.topology]]
        self.start("serve", "--port", str(self.port), log="serve.log")
        for process in launched:
            self._wait_started(process)
        wait_until(lambda: healthy(self.url), "sesame serve to answer /healthz", timeout=30)

    def serve_again(self) -> httpx.Client:
        """One more ``sesame serve`` of this deployment on a port of its own, as
        a load balancer would have several; a client of its API."""
        port = free_port()
        self.start("serve", "--port", str(port), log=f"serve-{port}.log")
        url = f"http://127.0.0.1:{port}"
        wait_until(lambda: healthy(url), f"the second sesame serve to answer /healthz at {url}", timeout=30)
        return httpx.Client(base_url=url + "/api/v1", timeout=30)

    def start_role(self, role: str) -> subprocess.Popen[bytes]:
        """One more process of a background role (``projections``, ``outbox``,
        ``worker``); returns once it runs."""
        process = self._launch(role)
        self._wait_started(process)
        return process

    def _launch(self, role: str) -> subprocess.Popen[bytes]:
        """Start a role's process, logging to ``<role><n>.log``."""
        n = sum(1 for p in self.processes if isinstance(p.args, list) and p.args[1] == role) + 1
        process = self.start(role, log=f"{role}{n}.log")
        self.roles.setdefault(role, []).append(process)
        self.logs[process] = self.root / f"{role}{n}.log"
        return process

    def _wait_started(self, process: subprocess.Popen[bytes]) -> None:
        log = self.logs[process]
        wait_until(
            lambda: '"message": "started"' in log.read_text() or process.poll() is not None, f"{log.stem} to start"
        )
        assert process.poll() is None, log.read_text()

    def kill_role(self, role: str) -> None:
        """SIGKILL the oldest process of a role: no cleanup, mid-batch if it was in one."""
        process = self.roles[role].pop(0)
        process.send_signal(signal.SIGKILL)
        process.wait()

    def cli(self, *args: str, check: bool = False, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [SESAME, *args], cwd=self.root, env=self.env, capture_output=True, text=True, input=stdin, timeout=120
        )
        if check and result.returncode != 0:
            raise AssertionError(f"sesame {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result

    def import_rows(self, *rows: str, name: str = "import.csv") -> dict[str, Any]:
        header = "client_code,company_code,login_id,provisional_password,email,holder_name,role\n"
        path = self.root / name
        path.write_text(header + "".join(row + "\n" for row in rows))
        result = self.cli("import-accounts", str(path), "--json")
        report: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])
        return report

    def stop(self) -> None:
        """SIGTERM every process still running, as a supervisor would, and drop
        what the topology created (the database, the relay); then check that
        each process finished its work and exited with status 0."""
        self.http.close()
        running = [process for process in self.processes if process.poll() is None]
        for process in running:
            process.terminate()
        unclean = []
        for process in running:
            try:
                code: int | str = process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                code = "still running after 40 s"
            if code != 0:
                unclean.append((process.args[1], code))  # type: ignore[index]
        self.mailbox.close()
        if self.database:
            drop_database(self.database)
        assert not unclean, f"processes that did not stop cleanly on SIGTERM: {unclean}"

    def query(self, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Rows from the deployment's PostgreSQL database (production topology)."""
        import psycopg
        from psycopg.rows import dict_row

        assert self.database, "only the production topology has a database to query"
        with psycopg.connect(POSTGRES + self.database, row_factory=dict_row) as connection:
            return connection.execute(sql, params).fetchall()  # the test's own SQL

    # -- mail --------------------------------------------------------------

    def mails(self, to: str) -> list[EmailMessage]:
        return [m for m in self.mailbox.messages() if m["To"] == to]

    def wait_for_mail(self, to: str, count: int = 1, timeout: float = 30) -> EmailMessage:
        """The ``count``-th mail to ``to``, waiting for the outbox to deliver it."""
        wait_until(lambda: len(self.mails(to)) >= count, f"mail #{count} to {to}", timeout)
        return self.mails(to)[count - 1]


def healthy(url: str) -> bool:
    try:
        return httpx.get(url + "/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def create_database() -> str:
    """A PostgreSQL database of this deployment's own (``sesame_test_<random>``)."""
    import psycopg

    name = f"sesame_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')  # a name we drew
    return name


def drop_database(name: str) -> None:
    import psycopg

    with psycopg.connect(POSTGRES + "postgres", autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def parse_mail(raw: bytes) -> EmailMessage:
    """A mail as the default policy reads it: an EmailMessage, with ``get_body``."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def body_text(message: EmailMessage) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def link_token(message: EmailMessage, path: str) -> str:
    match = re.search(re.escape(path) + r"\?token=([\w-]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def iter_unique(prefix: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"{prefix}{n:04d}"
