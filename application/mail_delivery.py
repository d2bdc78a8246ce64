"""Sending the outbox's mails with retries and back-off; never two at once.

A relay that cannot be reached, or answers "try later", is tried again after
a delay doubling from 2 s up to 15 minutes, for two days: a relay down for an
afternoon delays the mails and loses none. A message refused for good
(``Undeliverable``: no such mailbox, content rejected) is given up at once, as
is one still failing after two days; its row keeps ``status = 'failed'`` and
the relay's last answer (``last_error``) for support.

What is guaranteed is at-least-once, with the window for twice made small and
the second copy recognisable: the mail is leased while it is sent (see
``outbox_leases``), recorded sent the moment the transport has it (the relay's
250, before the connection is closed), and every attempt carries the same
``Message-ID``. A second copy goes out only if the worker dies, or the
database fails, between the relay's 250 and that record, or if a worker
frozen past its lease wakes to finish a mail already handed over.
Rows of other kinds (a back-channel logout) go through their own sender on
the same schedule, under the same lease.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from application.outbox_leases import Leases
from application.ports import Clock, MailComposer, Mailer

log = logging.getLogger(__name__)
LONGEST_WAIT = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=2)


class Undeliverable(Exception):
    """The transport refused this message for good: trying again cannot help."""


class Outbox(Protocol):
    def take(self, mail_id: str, now: datetime, lease_until: datetime) -> dict[str, Any] | None: ...

    def renew(self, row_id: str, attempt: int, until: datetime) -> bool: ...

    def sent(self, mail_id: str, now: datetime) -> None: ...

    def failed(self, mail_id: str, attempt: int, error: str, retry_at: datetime | None) -> None: ...

    def due(self, now: datetime, limit: int = 100) -> list[str]: ...


class MailDelivery:
    def __init__(
        self, outbox: Outbox, composer: MailComposer, mailer: Mailer, clock: Clock,
        senders: Mapping[str, Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        self.outbox = outbox
        self.composer = composer
        self.mailer = mailer
        self.clock = clock
        self.leases = Leases(outbox, clock)
        self.senders = dict(senders or {})  # rows of these kinds are not mail (a back-channel logout)

    def due(self) -> list[str]:
        return self.outbox.due(self.clock.now())

    def deliver(self, mail_id: str) -> bool:
        """Send one due mail; False when it was not due or the transport failed."""
        mail = self.outbox.take(mail_id, self.clock.now(), self.leases.until())
        if mail is None:
            return False
        handed_over: list[bool] = []

        def accepted() -> None:
            handed_over.append(True)
            self.outbox.sent(mail_id, self.clock.now())

        with self.leases.holding(mail_id, mail["attempts"]):
            try:
                self._send(mail, accepted)
            except Exception as error:
                if handed_over:  # the relay has it, the record failed: the job raises, the lease hands it over
                    raise
                retry_at = self._retry_at(mail, error)  # any transport failure is retried later, unless final
                log.warning("mail %s attempt %s failed: %s", mail_id, mail["attempts"], type(error).__name__)
                self.outbox.failed(mail_id, mail["attempts"], f"{type(error).__name__}: {error}", retry_at)
                return False
        return True

    def _send(self, row: dict[str, Any], accepted: Callable[[], None]) -> None:
        """A mail through the mailer; a row of another kind through its own sender,
        with the same retries; ``accepted`` records it sent the moment the far end has it."""
        sender = self.senders.get(row["kind"])
        if sender is None:
            self.mailer.deliver(self.composer.compose(row), accepted)
            return
        sender(row)
        accepted()

    def _retry_at(self, mail: dict[str, Any], error: Exception) -> datetime | None:
        """When to try again; None to give up."""
        now = self.clock.now()
        if isinstance(error, Undeliverable) or now - datetime.fromisoformat(mail["created_at"]) >= GIVE_UP_AFTER:
            return None
        return now + min(timedelta(seconds=2 ** min(mail["attempts"], 10)), LONGEST_WAIT)
