"""Delivery through an SMTP relay.

``smtp://host:port`` speaks plain SMTP (a relay on the same host or network);
``?starttls=true`` upgrades it before anything else is said. ``smtps://user:
pass@host:port`` speaks TLS from the first byte (RFC 8314's implicit TLS).
Certificates are checked against the system's authorities (``SSL_CERT_FILE``
adds one). Credentials are only ever sent inside TLS.

A connection per message: the outbox sends a few mails a second at most, and a
fresh connection means a restarted relay never leaves a broken session behind.
Once the relay has answered 250 to the message, it is the relay's: ``accepted``
records it sent before the goodbye (QUIT), and a failure while saying goodbye
must not make the outbox send it a second time. A 5xx
answer to the recipient or to the message refuses this message for good
(``Undeliverable``); any other failure, a refused login or sender included
(the configuration, not the message), is tried again later.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable
from contextlib import closing, suppress
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlparse

from application.config import ConfigurationError
from application.mail_delivery import Undeliverable

TRUE = {"1", "true", "yes", "on"}


class SmtpMailer:
    def __init__(self, url: str, timeout: float = 20.0) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps"):
            raise ConfigurationError("SMTP_URL is smtp://, smtps:// or maildir://")
        self.implicit_tls = parsed.scheme == "smtps"
        self.starttls = parse_qs(parsed.query).get("starttls", ["no"])[-1].lower() in TRUE
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or (465 if self.implicit_tls else 25)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password or "")
        if self.username and not (self.implicit_tls or self.starttls):
            raise ConfigurationError("SMTP_URL: a password is only sent over TLS (smtps:// or ?starttls=true)")
        self.timeout = timeout
        self.tls = ssl.create_default_context()

    def deliver(self, message: EmailMessage, accepted: Callable[[], None]) -> None:
        """Hand the message to the relay, call ``accepted`` on its 250, then say
        goodbye; raises when the relay did not take it."""
        with closing(self._open()) as connection:
            try:
                connection.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                answers = list(refused.recipients.values())
                if all(500 <= code < 600 for code, _ in answers):
                    raise Undeliverable("; ".join(f"{code} {text!r}" for code, text in answers)) from refused
                raise
            except smtplib.SMTPDataError as refused:
                if 500 <= refused.smtp_code < 600:
                    raise Undeliverable(f"{refused.smtp_code} {refused.smtp_error!r}") from refused
                raise
            accepted()
            with suppress(smtplib.SMTPException, OSError):
                connection.quit()

    def _open(self) -> smtplib.SMTP:
        connection = (
            smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=self.tls)
            if self.implicit_tls
            else smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        )
        try:
            if self.starttls:
                connection.starttls(context=self.tls)
            if self.username:
                connection.login(self.username, self.password)
        except BaseException:
            connection.close()
            raise
        return connection
