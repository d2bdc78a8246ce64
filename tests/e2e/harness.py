"""Driving real ``sesame`` processes: a server on a free port, the CLI, the Maildir."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx

SESAME = str(Path(sys.executable).parent / "sesame")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Sesame:
    """One deployment under test: its directory, environment and processes."""

    def __init__(self, root: Path, env: dict[str, str]) -> None:
        self.root = root
        self.env = {**os.environ, **env}
        self.processes: list[subprocess.Popen[bytes]] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.http = httpx.Client(base_url=self.url + "/api/v1", timeout=30)

    def start(self, *command: str, log: str) -> subprocess.Popen[bytes]:
        with (self.root / log).open("ab") as out:
            process = subprocess.Popen([SESAME, *command], cwd=self.root, env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.processes.append(process)
        return process

    def serve(self) -> None:
        self.start("serve", "--port", str(self.port), log="serve.log")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError("sesame serve did not become healthy:\n" + (self.root / "serve.log").read_text())

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
        self.http.close()
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    # -- mail --------------------------------------------------------------

    def mails(self, to: str) -> list[Message]:
        folder = self.root / "var" / "mail" / "new"
        messages = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default) for p in sorted(folder.glob("*"), key=os.path.getmtime)]
        return [m for m in messages if m["To"] == to]

    def wait_for_mail(self, to: str, count: int = 1, timeout: float = 15) -> Message:
        """The ``count``-th mail to ``to``, waiting for the outbox to deliver it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.mails(to)
            if len(messages) >= count:
                return messages[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {to} within {timeout}s")


def body_text(message: Message) -> str:
    for part in message.walk():
        if part.get_content_type() == "text/plain":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode(part.get_content_charset() or "utf-8")
    raise AssertionError("no text part")


def link_token(message: Message, path: str) -> str:
    match = re.search(re.escape(path) + r"\?token=([\w-]+)", body_text(message))
    assert match, body_text(message)
    return match.group(1)


def iter_unique(prefix: str) -> Iterator[str]:
    n = 0
    while True:
        n += 1
        yield f"{prefix}{n:04d}"
