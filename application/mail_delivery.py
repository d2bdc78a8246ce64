"""Sending the outbox's mails with retries and back-off; never two at once.

A relay that cannot be reached, or answers "try later", is tried again after
a delay doubling from 2 s up to 15 minutes, for two days: a relay down for an
afternoon delays the mails and loses none. A message refused for good
(``Undeliverable``: no such mailbox, content rejected) is given up at once, as
is one still failing after two days; its row keeps ``status = 'failed'`` and
the relay's last answer (``last_error``) for support. Rows of other kinds (a
back-channel logout) go through their own sender on the same schedule.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from application.mail_messages import MailComposer
from application.ports import Clock, Mailer

log = logging.getLogger(__name__)
LONGEST_WAIT = timedelta(minutes=15)
GIVE_UP_AFTER = timedelta(days=2)


class Undeliverable(Exception):
    """The transport refused this message for good: trying again cannot help."""


class Outbox(Protocol):
    def take(self, mail_id: str, now: Any) -> dict[str, Any] | None: ...

    def sent(self, mail_id: str, now: Any) -> None: ...

    def failed(self, mail_id: str, error: str, retry_at: Any) -> None: ...

    def due(self, now: Any, limit: int = 100) -> list[str]: ...


class MailDelivery:
    def __init__(
        self, outbox: Outbox, composer: MailComposer, mailer: Mailer, clock: Clock,
        senders: Mapping[str, Callable[[dict[str, Any]], None]] | None = None,
    ) -> None:
        self.outbox = outbox
        self.composer = composer
        self.mailer = mailer
        self.clock = clock
        self.senders = dict(senders or {})  # rows of these kinds are not mail (a back-channel logout)

    def due(self) -> list[str]:
        return self.outbox.due(self.clock.now())

    def deliver(self, mail_id: str) -> bool:
        """Send one due mail; False when it was not due or the transport failed."""
        mail = self.outbox.take(mail_id, self.clock.now())
        if mail is None:
            return False
        try:
            self._send(mail)
        except Exception as error:  # any transport failure is retried later, unless final
            retry_at = self._retry_at(mail, error)
            log.warning("mail %s attempt %s failed: %s", mail_id, mail["attempts"], type(error).__name__)
            self.outbox.failed(mail_id, f"{type(error).__name__}: {error}", retry_at)
            return False
        self.outbox.sent(mail_id, self.clock.now())
        return True

    def _send(self, row: dict[str, Any]) -> None:
        """A mail through the mailer; a row of another kind through its own sender,
        with the same retries."""
        sender = self.senders.get(row["kind"])
        if sender is not None:
            sender(row)
        else:
            self.mailer.deliver(self.composer.compose(row))

    def _retry_at(self, mail: dict[str, Any], error: Exception) -> datetime | None:
        """When to try again; None to give up."""
        now = self.clock.now()
        if isinstance(error, Undeliverable) or now - datetime.fromisoformat(mail["created_at"]) >= GIVE_UP_AFTER:
            return None
        return now + min(timedelta(seconds=2 ** min(mail["attempts"], 10)), LONGEST_WAIT)
