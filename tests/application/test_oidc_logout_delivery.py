"""Back-channel logout through the outbox: a row of kind ``backchannel_logout``
is POSTed as a signed logout_token by the same delivery as mail, with its
retries: a 2xx delivers it, a 5xx or a client down is tried again later, a 4xx
fails it for good and keeps the client's answer."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from adapters.backchannel_http import BackchannelHttp
from adapters.bootstrap import Container
from application.backchannel_logout import EVENT, KIND, BackchannelLogout
from application.mail_delivery import MailDelivery
from tests.application.conftest import FakeClock
from tests.e2e.logout_receiver import LogoutReceiver

KEY = RSAKey.generate_key(2048, private=True, parameters={"kid": "k1"})
ROW_ID = "5b0e4a52-0000-4000-8000-000000000001.2.backchannel_logout"


@pytest.fixture
def delivery(app: Container, clock: FakeClock) -> MailDelivery:
    logout = BackchannelLogout("http://portal.test", lambda: KEY, BackchannelHttp(timeout=2), clock)
    return MailDelivery(app.outbox, app.delivery.composer, app.delivery.mailer, clock, {KIND: logout.send})


def queue(app: Container, clock: FakeClock, uri: str) -> None:
    """What the outbox projection writes for a SignedOut event."""
    at = clock.now().isoformat()
    payload = {"client_id": "extranet", "sub": "identity-1", "sid": "sid-1"}
    with app.db.transaction() as tx:
        tx.execute(
            "INSERT INTO outbox (mail_id, identity_id, kind, recipient, payload, status, created_at, next_attempt_at) "
            "VALUES (:id, 'sign-in', :kind, :to, :payload, 'pending', :at, :at)",
            {"id": ROW_ID, "kind": KIND, "to": uri, "payload": json.dumps(payload), "at": at},
        )


def row(app: Container) -> dict[str, Any]:
    with app.db.read() as tx:
        return dict(tx.execute("SELECT * FROM outbox WHERE mail_id = :id", {"id": ROW_ID}).one())


def when_due(app: Container, clock: FakeClock, delivery: MailDelivery) -> bool:
    clock.current = datetime.fromisoformat(row(app)["next_attempt_at"])
    return delivery.deliver(ROW_ID)


def test_a_logout_token_reaches_a_client_that_was_down_then_up(
    app: Container, clock: FakeClock, delivery: MailDelivery, receiver: LogoutReceiver
) -> None:
    queue(app, clock, receiver.url)
    receiver.status = 503
    assert when_due(app, clock, delivery) is False
    assert row(app)["status"] == "pending" and "HTTP 503" in row(app)["last_error"]
    receiver.stop()
    assert when_due(app, clock, delivery) is False
    assert row(app)["status"] == "pending" and row(app)["attempts"] == 2
    receiver.start()
    receiver.status = 200
    assert when_due(app, clock, delivery) is True
    assert row(app)["status"] == "sent"
    (token,) = receiver.received()
    assert receiver.requests[-1]["content_type"] == "application/x-www-form-urlencoded"
    decoded = jwt.decode(token, RSAKey.import_key(KEY.as_dict(private=False)))
    claims = decoded.claims
    assert decoded.header["typ"] == "logout+jwt" and decoded.header["kid"] == "k1"
    assert {k: claims[k] for k in ("iss", "aud", "sub", "sid", "events")} == {
        "iss": "http://portal.test", "aud": "extranet", "sub": "identity-1", "sid": "sid-1", "events": {EVENT: {}},
    }
    assert "nonce" not in claims and claims["exp"] > claims["iat"] and claims["jti"]
    assert delivery.deliver(ROW_ID) is False and len(receiver.received()) == 1  # sent once


def test_a_client_refusing_the_token_fails_it_for_good_with_its_answer(
    app: Container, clock: FakeClock, delivery: MailDelivery, receiver: LogoutReceiver
) -> None:
    queue(app, clock, receiver.url)
    receiver.status = 400
    assert when_due(app, clock, delivery) is False
    state = row(app)
    assert (
        state["status"] == "failed"
        and state["attempts"] == 1
        and state["last_error"].startswith("Undeliverable: HTTP 400")
    )
    assert ROW_ID not in delivery.due()


def test_a_no_content_answer_delivers_the_token(
    app: Container, clock: FakeClock, delivery: MailDelivery, receiver: LogoutReceiver
) -> None:
    queue(app, clock, receiver.url)
    receiver.status = 204
    assert when_due(app, clock, delivery) is True and row(app)["status"] == "sent"
