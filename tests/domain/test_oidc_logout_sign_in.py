"""A sign-in to a client ends once, for a reason the person's history names."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from domain.client_sign_in import ClientSignIn


def signed_in() -> ClientSignIn:
    sign_in = ClientSignIn(uuid4(), "client-1", "Extranet", "sid-1", str(uuid4()), ["openid"], datetime.now(UTC))
    sign_in.collect_events()
    return sign_in


def test_a_sign_in_ends_with_its_reason() -> None:
    sign_in = signed_in()
    assert sign_in.signed_out is None
    sign_in.sign_out("password_changed")
    (ended,) = sign_in.collect_events()
    assert isinstance(ended, ClientSignIn.SignedOut) and ended.reason == "password_changed"
    assert sign_in.signed_out == "password_changed"


def test_ending_an_ended_sign_in_again_records_nothing() -> None:
    sign_in = signed_in()
    sign_in.sign_out("logout")
    sign_in.collect_events()
    sign_in.sign_out("erased")
    assert sign_in.collect_events() == [] and sign_in.signed_out == "logout"
