"""Issue 19 finding 3, at the mechanism: a write that requests a mail commits
only with its mail limits spent, whichever use case or route makes it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.bootstrap import Container
from application.mail_requests import MAIL_REQUESTS, MailNotSpent
from projections.outbox import NOTICES, TO_CLIENTS, OutboxProjection
from tests.application.test_retention import PASSWORD, imported


def test_the_store_refuses_a_mail_request_whose_limits_were_not_spent(app: Container) -> None:
    """A use case written tomorrow that asks for a link without Throttle.mail fails in
    its first test instead of opening a mail bomb."""
    account = imported(app, 41)
    started = app.activation.start(
        account["client_code"], account["company_code"], account["login_id"], account["provisional_password"]
    )
    app.activation.propose_email(started["activation"], "jean@exemple.fr")
    identity = app.activation.activating(started["activation"])
    identity.set_password(app.passwords.new_hash(PASSWORD, PASSWORD))
    identity.accept_terms("2026-01")
    identity.request_email_verification(app.directory.keys.nonce(), app.clock.now() + timedelta(hours=1))
    with pytest.raises(MailNotSpent):
        app.store.commit(identity)
    assert app.store.commit(
        identity, mail=app.activation.throttle.mail(*app.activation.throttle.resends(identity.id), origin=None)
    )


def test_every_mail_the_outbox_sends_is_a_request_or_a_notice() -> None:
    """The outbox is where events become mails: each kind it handles is either a
    request (the store asks for spent limits) or a notice that follows a proven
    secret, or a back-channel logout to a client (no person's mailbox). A new
    kind of mail must be put in one of them."""
    mailed = set(OutboxProjection.__dict__["apply"].dispatcher.registry) - {object}
    assert mailed == set(MAIL_REQUESTS) | set(NOTICES) | set(TO_CLIENTS)
