"""Leases on the mails a worker sends, driven by an injected clock: a live
worker's heartbeat keeps its mail, a killed worker's mail is handed over when
its lease ends and goes out with the same Message-ID, and a worker whose mail
was taken over can no longer change the row."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest

from adapters.bootstrap import Container
from application.mail_delivery import MailDelivery
from application.outbox_leases import HEARTBEAT, LEASE, Leases
from tests.application.conftest import FakeClock
from tests.application.mail_fixtures import Relay
from tests.application.test_mail_delivery import row


class Killed(BaseException):
    """SIGKILL, as far as the delivery can tell: nothing after it runs."""


def test_a_live_workers_heartbeat_keeps_its_mail_however_slow_the_relay(
    app: Container, clock: FakeClock, delivery: MailDelivery, relay: Relay, mail: str
) -> None:
    other = MailDelivery(app.outbox, delivery.composer, Relay(), clock)

    def slow_relay() -> None:
        for _ in range(3 * LEASE // HEARTBEAT):
            clock.advance(seconds=HEARTBEAT.total_seconds())
            delivery.leases.renew()
            assert mail not in other.due() and other.deliver(mail) is False

    relay.failure, relay.meanwhile = None, slow_relay
    assert delivery.deliver(mail) is True
    assert row(app, mail)["status"] == "sent" and row(app, mail)["attempts"] == 1


def test_a_killed_workers_mail_is_handed_over_when_its_lease_ends_with_the_same_message_id(
    app: Container, clock: FakeClock, delivery: MailDelivery, relay: Relay, mail: str
) -> None:
    relay.failure = Killed()
    with pytest.raises(Killed):
        delivery.deliver(mail)
    assert delivery.leases.held() == {}  # its heartbeat renews it no more
    clock.advance(seconds=LEASE.total_seconds() - 1)
    assert mail not in delivery.due()
    clock.advance(seconds=1)
    assert delivery.due() == [mail]
    successor_relay = Relay()
    successor_relay.failure = None
    assert MailDelivery(app.outbox, delivery.composer, successor_relay, clock).deliver(mail) is True
    (first,), (retry,) = relay.received, successor_relay.sent
    assert first["Message-ID"] == retry["Message-ID"] == f"<{mail}@localhost>"  # MAIL_FROM's domain
    assert row(app, mail)["status"] == "sent" and row(app, mail)["attempts"] == 2


def test_a_worker_whose_mail_was_taken_over_changes_nothing(app: Container, clock: FakeClock, mail: str) -> None:
    first = app.outbox.take(mail, clock.now(), clock.now() + LEASE)
    assert first is not None and first["attempts"] == 1
    clock.advance(seconds=LEASE.total_seconds())
    second = app.outbox.take(mail, clock.now(), clock.now() + LEASE)
    assert second is not None and second["attempts"] == 2
    lease = row(app, mail)["next_attempt_at"]
    assert app.outbox.renew(mail, 1, clock.now() + 2 * LEASE) is False
    app.outbox.failed(mail, 1, "late failure of the first worker", clock.now())
    assert row(app, mail)["next_attempt_at"] == lease and row(app, mail)["last_error"] is None
    assert app.outbox.renew(mail, 2, clock.now() + 2 * LEASE) is True


def test_a_mail_the_relay_took_but_the_database_did_not_record_is_left_to_its_lease(
    app: Container, clock: FakeClock, delivery: MailDelivery, relay: Relay, mail: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not recorded failed (it would be sent again at once): the job raises,
    and the lease hands the mail over, with its Message-ID, if no one records it."""

    def database_down(mail_id: str, now: datetime) -> None:
        raise ConnectionError("database down")

    monkeypatch.setattr(app.outbox, "sent", database_down)
    relay.failure = None
    with pytest.raises(ConnectionError):
        delivery.deliver(mail)
    state = row(app, mail)
    assert state["status"] == "sending" and state["last_error"] is None


class Renewals:
    def __init__(self) -> None:
        self.beats = threading.Semaphore(0)

    def renew(self, row_id: str, attempt: int, until: datetime) -> bool:
        self.beats.release()
        return True


def test_a_stopping_worker_keeps_beating_for_the_mail_in_hand(clock: FakeClock) -> None:
    rows = Renewals()
    leases = Leases(rows, clock, heartbeat=timedelta(milliseconds=10))
    stop = threading.Event()
    stop.set()
    with leases.holding("mail-1", 1):
        beating = threading.Thread(target=leases.run, args=(stop,))
        beating.start()
        for _ in range(3):
            assert rows.beats.acquire(timeout=30)
    beating.join(timeout=30)
    assert not beating.is_alive()
