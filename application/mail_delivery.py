"""Sending the outbox's mails with retries and back-off; never two at once."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any, Protocol

from application.mail_messages import MailComposer
from application.ports import Clock, Mailer

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8


class Outbox(Protocol):
    def take(self, mail_id: str, now: Any) -> dict[str, Any] | None: ...

    def sent(self, mail_id: str, now: Any) -> None: ...

    def failed(self, mail_id: str, error: str, retry_at: Any) -> None: ...

    def due(self, now: Any, limit: int = 100) -> list[str]: ...


class MailDelivery:
    def __init__(self, outbox: Outbox, composer: MailComposer, mailer: Mailer, clock: Clock) -> None:
        self.outbox = outbox
        self.composer = composer
        self.mailer = mailer
        self.clock = clock

    def due(self) -> list[str]:
        return self.outbox.due(self.clock.now())

    def deliver(self, mail_id: str) -> bool:
        """Send one due mail; False when it was not due or the transport failed."""
        mail = self.outbox.take(mail_id, self.clock.now())
        if mail is None:
            return False
        try:
            self.mailer.deliver(self.composer.compose(mail))
        except Exception as error:  # any transport failure is retried later
            attempts = mail["attempts"]
            retry_at = None if attempts >= MAX_ATTEMPTS else self.clock.now() + timedelta(seconds=2**attempts)
            log.warning("mail %s attempt %s failed: %s", mail_id, attempts, type(error).__name__)
            self.outbox.failed(mail_id, f"{type(error).__name__}: {error}", retry_at)
            return False
        self.outbox.sent(mail_id, self.clock.now())
        return True
