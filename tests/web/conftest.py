"""The portal through Starlette's test client, on a real embedded container
(SQLite, in-process projections and outbox, Maildir), one per test."""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from adapters.bootstrap import Container, bootstrap
from application.config import Settings
from tests.e2e.harness import link_token, parse_mail
from web.app import create_app

PASSWORD = "Tr3s-Secret!"
NEW_PASSWORD = "Nouve@u-Secret-9"


class ReadingClient(TestClient):
    """A browser that reads French text as a person does: the non-breaking
    spaces of French typography (adapters/french_text.py, tested on their
    own in test_look.py) read as spaces, so a test quotes « À bientôt ! » as typed."""

    def request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        response = super().request(*args, **kwargs)
        response._text = response.text.replace("\u00a0", " ")
        return response


class ShiftedClock:
    """The real time moved forward by the test: the outbox compares the clock
    with the times the event store writes, so a frozen clock would hold mail back."""

    def __init__(self) -> None:
        self.shift = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.shift

    def advance(self, **delta: float) -> None:
        self.shift += timedelta(**delta)


class Portal:
    """A browser's view of the portal: its cookies, the CSRF token of the last
    page, and the mails the outbox delivered."""

    def __init__(self, client: TestClient, container: Container, root: Path, clock: ShiftedClock | None = None) -> None:
        self.client = client
        self.container = container
        self.root = root
        self.clock = clock or ShiftedClock()
        self.imported = 0

    def csrf(self, url: str) -> str:
        """The CSRF token of the form at ``url`` (as a browser gets it by opening the page)."""
        page = self.client.get(url)
        match = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert match, page.text
        return match.group(1)

    def submit(self, page_url: str, action: str | None = None, **fields: str) -> httpx.Response:
        """Open ``page_url`` and post its form to ``action`` (the same URL by default)."""
        token = self.csrf(page_url)
        answer: httpx.Response = self.client.post(
            action or page_url.split("?")[0], data={"csrf": token, **fields}, follow_redirects=False
        )
        return answer

    def contract(self, email: str = "", client: str = "AG1", company: str = "SOC1") -> dict[str, str]:
        """An imported agency contract's provisional credentials."""
        self.imported += 1
        n = self.imported
        login = f"{client}L{n:04d}"
        code = f"{n:06d}"
        mail = email or f"{login.lower()}@exemple.fr"
        row = {
            "client_code": client,
            "company_code": company,
            "login_id": login,
            "provisional_password": code,
            "email": mail,
            "holder_name": f"Titulaire {n}",
            "role": "tenant",
        }
        assert self.container.importer.run([(2, row)]).added == 1
        return {"client": client, "societe": company, "login_id": login, "provisional_password": code, "email": mail}

    def provisional(self, creds: dict[str, str]) -> dict[str, str]:
        return {k: creds[k] for k in ("client", "societe", "login_id", "provisional_password")}

    def awaiting_verification(self, password: str = PASSWORD, **contract: str) -> dict[str, str]:
        """A contract taken through the activation pages up to « Vérification de l'email »."""
        creds = self.contract(**contract)
        assert self.submit("/activation", **self.provisional(creds)).headers["location"] == "/activation/email"
        assert self.submit("/activation/email", email=creds["email"]).headers["location"] == "/activation/mot-de-passe"
        chosen = self.submit(
            "/activation/mot-de-passe", password=password, password_confirmation=password, accept_terms="oui"
        )
        assert chosen.headers["location"] == "/activation/verification", chosen.text
        return creds

    def activated(self, password: str = PASSWORD, **contract: str) -> dict[str, str]:
        """A contract activated through the pages, its emailed link followed."""
        creds = self.awaiting_verification(password, **contract)
        token = self.link(creds["email"], "/verify-email")
        assert self.submit(f"/verify-email?token={token}", token=token).status_code == 200
        return creds

    def log_in(self, email: str, password: str = PASSWORD) -> httpx.Response:
        answer = self.submit("/login", email=email, password=password)
        assert answer.status_code == 303, answer.text
        return answer

    def mails(self, to: str) -> list[EmailMessage]:
        folder = self.root / "var" / "mail" / "new"
        if not folder.exists():
            return []
        files = sorted(folder.iterdir(), key=os.path.getmtime)
        found = [parse_mail(p.read_bytes()) for p in files]
        return [m for m in found if m["To"] == to]

    def wait_for_mail(self, to: str, count: int = 1) -> EmailMessage:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            found = self.mails(to)
            if len(found) >= count:
                return found[count - 1]
            time.sleep(0.05)
        raise AssertionError(f"no mail #{count} to {to}")

    def link(self, to: str, path: str, count: int = 1) -> str:
        """The token of the ``count``-th mail's link to ``path``."""
        return link_token(self.wait_for_mail(to, count), path)


def serve(root: Path, clock: ShiftedClock | None = None) -> Iterator[Portal]:
    container = bootstrap(Settings.from_env(os.environ), clock=clock)
    with ReadingClient(create_app(container), base_url="http://testserver") as client:
        yield Portal(client, container, root, clock)


@pytest.fixture
def portal(workdir: Path) -> Iterator[Portal]:
    yield from serve(workdir)


@pytest.fixture
def clocked(workdir: Path) -> Iterator[Portal]:
    """A portal whose clock the test moves forward."""
    yield from serve(workdir, ShiftedClock())
