"""UniqueClaim: one owner per key, released keys can be taken again."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.errors import AlreadyOwned
from domain.unique_claim import UniqueClaim

DIGEST = "ab" * 32


def test_the_id_is_derived_from_the_digest_so_racing_claims_collide() -> None:
    assert UniqueClaim(DIGEST, uuid4()).id == UniqueClaim(DIGEST, uuid4()).id


def test_a_held_key_cannot_be_claimed_by_another() -> None:
    alice, bob = uuid4(), uuid4()
    claim = UniqueClaim(DIGEST, alice)
    claim.collect_events()
    with pytest.raises(AlreadyOwned):
        claim.claim(bob)
    claim.claim(alice)
    assert claim.collect_events() == []


def test_a_released_key_is_claimed_again() -> None:
    alice, bob = uuid4(), uuid4()
    claim = UniqueClaim(DIGEST, alice)
    claim.release(alice)
    claim.claim(bob)
    assert [type(e).__name__ for e in claim.collect_events()] == ["Claimed", "Released", "Reclaimed"]
    assert claim.owner == bob


def test_only_the_holder_releases_or_transfers() -> None:
    alice, bob = uuid4(), uuid4()
    claim = UniqueClaim(DIGEST, alice)
    with pytest.raises(AlreadyOwned):
        claim.release(bob)
    with pytest.raises(AlreadyOwned):
        claim.transfer(bob, bob)
    claim.transfer(alice, bob)
    assert claim.owner == bob
