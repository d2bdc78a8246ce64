"""RelyingParty: registration rules, changes and removal are events."""

from __future__ import annotations

from datetime import UTC

import pytest

from domain.client_sign_in import ClientSignIn
from domain.relying_party import ClientRemoved, InvalidClient, RelyingParty


def party(**changes: object) -> RelyingParty:
    args: dict[str, object] = {
        "name": "Extranet", "redirect_uris": ["https://ex.test/cb"], "post_logout_redirect_uris": [],
        "backchannel_logout_uri": None, "public": False, "agency": None, "secret_digest": "d",
    }
    return RelyingParty(**{**args, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize("uri", [
    "http://ex.test/cb", "https://ex.test/cb#frag", "/cb", "ftp://ex.test/cb", "javascript:alert(1)", "https://[::1/cb",
])
def test_a_redirect_uri_must_be_https_absolute_and_without_fragment(uri: str) -> None:
    with pytest.raises(InvalidClient):
        party(redirect_uris=[uri])


@pytest.mark.parametrize("uri", ["https://ex.test/cb?x=1", "http://localhost:8080/cb", "http://127.0.0.1/cb"])
def test_https_or_loopback_http_is_accepted(uri: str) -> None:
    assert party(redirect_uris=[uri]).redirect_uris == [uri]


def test_the_logout_addresses_follow_the_same_rules() -> None:
    with pytest.raises(InvalidClient):
        party(post_logout_redirect_uris=["http://ex.test/bye"])
    with pytest.raises(InvalidClient):
        party(backchannel_logout_uri="https://ex.test/bc#x")


def test_a_public_client_has_no_secret_and_a_confidential_one_has_one() -> None:
    with pytest.raises(InvalidClient):
        party(public=True)
    with pytest.raises(InvalidClient):
        party(secret_digest=None)
    assert party(public=True, secret_digest=None).public


def test_an_agency_client_sees_only_its_agency() -> None:
    scoped = party(agency=("AG1", "SOC1"))
    assert scoped.sees("AG1", "SOC1") and not scoped.sees("AG2", "SOC1")
    assert party().sees("AG2", "SOC1")


def test_changes_and_removal_are_events() -> None:
    client = party()
    client.change(redirect_uris=["https://ex.test/new"], backchannel_logout_uri="https://ex.test/bc")
    client.remove()
    assert [type(e).__name__ for e in client.collect_events()] == ["Registered", "Changed", "Removed"]
    assert client.redirect_uris == ["https://ex.test/new"] and client.secret_digest is None
    with pytest.raises(ClientRemoved):
        client.remove()
    with pytest.raises(ClientRemoved):
        client.change(redirect_uris=["https://ex.test/again"])


def test_a_change_keeps_the_rules() -> None:
    with pytest.raises(InvalidClient):
        party().change(redirect_uris=[])
    with pytest.raises(InvalidClient):
        party().change(redirect_uris=["http://ex.test/cb"])


def test_a_sign_in_records_who_which_client_and_contract() -> None:
    from datetime import datetime
    from uuid import uuid4

    who = uuid4()
    sign_in = ClientSignIn(who, "c1", "Extranet", "sid1", "contract1", ["openid"], datetime.now(UTC))
    assert (sign_in.identity_id, sign_in.sid, sign_in.contract_id) == (who, "sid1", "contract1")
    assert [type(e).__name__ for e in sign_in.collect_events()] == ["SignedIn"]
