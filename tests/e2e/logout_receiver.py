"""A relying party's back-channel logout endpoint in the test process: a
threaded ``http.server`` on 127.0.0.1 that keeps each ``logout_token`` POSTed
to it. ``stop`` and ``start`` (same port) play an outage; ``status`` sets
the answer."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.e2e.harness import free_port, wait_until


class LogoutReceiver:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/backchannel-logout"
        self.tokens: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.start()

    def start(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # http.server's hook name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                with receiver._lock:
                    receiver.requests.append({"content_type": self.headers.get("Content-Type"), "body": body})
                    if receiver.status < 300:
                        receiver.tokens.extend(parse_qs(body).get("logout_token", []))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def received(self) -> list[str]:
        with self._lock:
            return list(self.tokens)

    def wait_for(self, count: int, timeout: float = 60) -> list[str]:
        wait_until(lambda: len(self.received()) >= count, f"{count} logout token(s) at {self.url}", timeout)
        return self.received()


@pytest.fixture
def receiver() -> Iterator[LogoutReceiver]:
    """A receiver of a test's own, stopped after it."""
    receiver = LogoutReceiver()
    yield receiver
    receiver.stop()
