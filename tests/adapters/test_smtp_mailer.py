"""The SMTP mailer against a real relay (aiosmtpd): plain, implicit TLS with a
login, STARTTLS, and the cases where delivery must or must not be retried."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from adapters.smtp_mailer import SmtpMailer
from application.config import ConfigurationError
from application.mail_delivery import Undeliverable
from tests.e2e.harness import free_port


class Relay:
    """Keeps what it accepts, and the order of what it saw in ``seen``;
    ``hang_up`` closes the connection right after its 250;
    ``recipient_answer`` and ``data_answer`` refuse instead."""

    def __init__(self) -> None:
        self.accepted: list[bytes] = []
        self.seen: list[str] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.hang_up = False
        self.recipient_answer = "250 OK"
        self.data_answer = "250 OK"

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.recipient_answer.startswith("250"):
            envelope.rcpt_tos.append(address)
        return self.recipient_answer

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        if not self.data_answer.startswith("250"):
            return self.data_answer
        self.accepted.append(envelope.content)
        self.seen.append("250")
        if self.hang_up:
            asyncio.get_running_loop().call_soon(server.transport.close)
        return self.data_answer

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:  # aiosmtpd's hook
        self.seen.append("QUIT")
        return "221 Bye"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        assert isinstance(data, LoginPassword)
        self.logins.append((data.login, data.password))
        return AuthResult(success=True)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return folder / "cert.pem", folder / "key.pem"


@pytest.fixture
def trusted(certificate: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The relay's TLS context, its certificate trusted by the mailer (SSL_CERT_FILE)."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


@contextmanager
def running(relay: Relay, **options: Any) -> Iterator[int]:
    """The relay listening on a free port, with aiosmtpd's ``options``."""
    controller = Controller(relay, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield controller.port
    finally:
        controller.stop()


@pytest.fixture
def relay() -> Relay:
    return Relay()


def message() -> EmailMessage:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "no-reply@localhost", "hélène@exemple.fr", "Validez votre adresse"
    mail["X-Sesame-Mail-Id"] = "mail-1"
    mail.set_content("Bonjour Hélène")
    return mail


def deliver(url: str, relay: Relay | None = None, **options: Any) -> None:
    """Deliver ``message()``; its acceptance is noted in the relay's ``seen``."""
    SmtpMailer(url, **options).deliver(message(), lambda: relay.seen.append("recorded sent") if relay else None)


def test_plain_smtp_hands_the_message_over(relay: Relay) -> None:
    with running(relay) as port:
        deliver(f"smtp://127.0.0.1:{port}", relay)
    (raw,) = relay.accepted
    assert b"X-Sesame-Mail-Id: mail-1" in raw


def test_the_mail_is_recorded_sent_on_the_250_before_the_goodbye(relay: Relay) -> None:
    """The window in which a killed worker leaves a mail the relay has but the
    outbox does not know sent ends at the 250, not after QUIT's answer."""
    with running(relay) as port:
        deliver(f"smtp://127.0.0.1:{port}", relay)
    assert relay.seen == ["250", "recorded sent", "QUIT"]


def test_a_failure_to_record_the_mail_is_not_hidden(relay: Relay) -> None:
    """The relay has the message but the outbox could not record it: the
    error reaches the outbox, which leaves the row to its lease."""

    def database_down() -> None:
        raise ConnectionError("database down")

    with running(relay) as port, pytest.raises(ConnectionError):
        SmtpMailer(f"smtp://127.0.0.1:{port}").deliver(message(), database_down)
    assert len(relay.accepted) == 1


def test_smtps_logs_in_inside_tls(relay: Relay, trusted: ssl.SSLContext) -> None:
    with running(relay, ssl_context=trusted, authenticator=relay.authenticate, auth_require_tls=False) as port:
        deliver(f"smtps://sesame:p%40ss%20word@localhost:{port}", relay)
    assert relay.logins == [(b"sesame", b"p@ss word")]  # the URL's escapes undone
    assert len(relay.accepted) == 1


def test_starttls_upgrades_before_the_login(relay: Relay, trusted: ssl.SSLContext) -> None:
    with running(relay, tls_context=trusted, require_starttls=True, authenticator=relay.authenticate) as port:
        deliver(f"smtp://sesame:p%40ss%20word@localhost:{port}?starttls=true", relay)
    assert len(relay.accepted) == 1 and relay.logins == [(b"sesame", b"p@ss word")]


def test_an_untrusted_certificate_is_refused(relay: Relay, certificate: tuple[Path, Path]) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    with running(relay, ssl_context=context) as port, pytest.raises(ssl.SSLError):
        deliver(f"smtps://localhost:{port}", relay)
    assert relay.accepted == []


def test_a_password_is_never_sent_in_clear() -> None:
    with pytest.raises(ConfigurationError):
        SmtpMailer("smtp://sesame:secret@relay.example:25")


def test_a_relay_that_hangs_up_after_taking_the_message_has_it(relay: Relay) -> None:
    """Once the relay said 250, delivery succeeded: raising would make the
    outbox send the same mail again."""
    relay.hang_up = True
    with running(relay) as port:
        deliver(f"smtp://127.0.0.1:{port}", relay)
    assert len(relay.accepted) == 1


def test_a_relay_that_is_down_is_an_error_to_retry() -> None:
    with pytest.raises(OSError):
        deliver(f"smtp://127.0.0.1:{free_port()}", timeout=2)


@pytest.mark.parametrize(
    ("recipient", "data", "final"),
    [
        ("550 5.1.1 No such mailbox", "250 OK", True),
        ("250 OK", "554 5.7.1 Message rejected", True),
        ("450 4.2.1 Mailbox busy, try later", "250 OK", False),
        ("250 OK", "451 4.3.0 Try again later", False),
    ],
)
def test_a_refusal_for_good_is_told_apart_from_a_try_later(
    relay: Relay, recipient: str, data: str, final: bool
) -> None:
    relay.recipient_answer, relay.data_answer = recipient, data
    with running(relay) as port, pytest.raises(Exception) as raised:
        deliver(f"smtp://127.0.0.1:{port}", relay)
    assert isinstance(raised.value, Undeliverable) is final
    assert relay.accepted == []
