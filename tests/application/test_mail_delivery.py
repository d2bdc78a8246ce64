"""Mail delivery's retries, driven by an injected clock: a relay down for hours
delays a mail and loses none, a mail is sent once, and one that can never go
out is recorded as failed with the relay's answer."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from adapters.bootstrap import Container
from adapters.mail_messages import MailComposer
from application.mail_delivery import GIVE_UP_AFTER, LONGEST_WAIT, MailDelivery, Undeliverable
from tests.application.conftest import FakeClock
from tests.application.mail_fixtures import Relay


def row(app: Container, mail_id: str) -> dict[str, Any]:
    with app.db.read() as tx:
        return dict(tx.execute("SELECT * FROM outbox WHERE mail_id = :id", {"id": mail_id}).one())


def attempt_when_due(app: Container, clock: FakeClock, delivery: MailDelivery, mail_id: str) -> bool:
    clock.current = datetime.fromisoformat(row(app, mail_id)["next_attempt_at"])
    return delivery.deliver(mail_id)


def test_a_relay_down_for_hours_delays_the_mail_and_loses_none(
    app: Container, clock: FakeClock, delivery: MailDelivery, relay: Relay, mail: str
) -> None:
    waits = []
    for _ in range(25):  # about five hours of outage
        assert attempt_when_due(app, clock, delivery, mail) is False
        state = row(app, mail)
        assert state["status"] == "pending" and state["last_error"] == "ConnectionRefusedError: relay down"
        waits.append(datetime.fromisoformat(state["next_attempt_at"]) - clock.now())
    assert waits[:4] == [timedelta(seconds=s) for s in (2, 4, 8, 16)] and max(waits) == LONGEST_WAIT
    relay.failure = None
    assert attempt_when_due(app, clock, delivery, mail) is True
    assert row(app, mail)["status"] == "sent" and [m["X-Sesame-Mail-Id"] for m in relay.sent] == [mail]
    assert delivery.deliver(mail) is False and len(relay.sent) == 1  # a repeated job sends nothing


def test_a_mail_still_failing_after_two_days_is_recorded_as_failed(
    app: Container, clock: FakeClock, delivery: MailDelivery, mail: str
) -> None:
    created = datetime.fromisoformat(row(app, mail)["created_at"])
    while row(app, mail)["status"] == "pending":
        attempt_when_due(app, clock, delivery, mail)
    state = row(app, mail)
    assert state["status"] == "failed" and state["last_error"] == "ConnectionRefusedError: relay down"
    assert clock.now() - created >= GIVE_UP_AFTER
    assert mail not in delivery.due()


def test_a_refusal_for_good_fails_the_mail_at_once(
    app: Container, clock: FakeClock, delivery: MailDelivery, relay: Relay, mail: str
) -> None:
    relay.failure = Undeliverable("550 'No such mailbox'")
    assert attempt_when_due(app, clock, delivery, mail) is False
    state = row(app, mail)
    assert state["status"] == "failed" and state["attempts"] == 1
    assert state["last_error"] == "Undeliverable: 550 'No such mailbox'"


@pytest.mark.parametrize(
    ("sender", "public_url", "domain"),
    [
        ("Mon compte immobilier <no-reply@example.fr>", "https://compte.example.fr", "example.fr"),
        ("", "https://compte.example.fr/", "compte.example.fr"),
    ],
)
def test_every_attempt_at_a_mail_carries_one_message_id_at_the_senders_domain(
    app: Container, mail: str, sender: str, public_url: str, domain: str
) -> None:
    """The same on every attempt, so a copy sent again is recognisably the same message."""
    composer = MailComposer(app.directory.keys, public_url, sender, app.clock)
    outbox_row = row(app, mail)
    outbox_row["payload"] = json.loads(outbox_row["payload"])
    ids = {composer.compose(outbox_row)["Message-ID"] for _ in range(2)}
    assert ids == {f"<{mail}@{domain}>"}
