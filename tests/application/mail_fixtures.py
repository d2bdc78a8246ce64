"""The relay and the mail the mail-delivery tests share (``tests/conftest.py`` registers it as a plugin)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage

import pytest

from adapters.bootstrap import Container
from application.mail_delivery import MailDelivery
from tests.application.conftest import FakeClock
from tests.application.test_retention import activated, imported


class Relay:
    """A mailer that fails with ``failure`` while it is set, after calling
    ``meanwhile`` (a test's moves while the relay has the message)."""

    def __init__(self) -> None:
        self.failure: BaseException | None = ConnectionRefusedError("relay down")
        self.meanwhile: Callable[[], None] = lambda: None
        self.received: list[EmailMessage] = []
        self.sent: list[EmailMessage] = []

    def deliver(self, message: EmailMessage, accepted: Callable[[], None]) -> None:
        self.received.append(message)
        self.meanwhile()
        if self.failure:
            raise self.failure
        self.sent.append(message)
        accepted()


@pytest.fixture
def relay() -> Relay:
    return Relay()


@pytest.fixture
def delivery(app: Container, relay: Relay) -> MailDelivery:
    return MailDelivery(app.outbox, app.delivery.composer, relay, app.clock)


@pytest.fixture
def mail(app: Container, clock: FakeClock) -> str:
    """The id of the verification mail of a fresh activation, the clock set to when it is due."""
    activated(app, imported(app, 1), "lettre@exemple.fr")
    app.followers["outbox"].catch_up()
    with app.db.read() as tx:
        (row,) = tx.execute("SELECT mail_id, next_attempt_at FROM outbox").all()
    clock.current = datetime.fromisoformat(row["next_attempt_at"])
    return str(row["mail_id"])
