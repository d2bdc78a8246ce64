"""UniqueClaim: the event store's own guard for "one owner per natural key".

A claim's id is derived from a keyed digest of the natural key (an email, an
agency contract), so two requests that claim the same key write the same
aggregate: the store's unique (id, version) constraint lets exactly one of
them commit. The digest, never the key, is what the store sees.
"""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.digest_ids import uuid_of
from domain.errors import AlreadyOwned


class UniqueClaim(Aggregate):
    """Who holds a unique key right now; released keys can be claimed again."""

    @staticmethod
    def create_id(digest: str, **_: object) -> UUID:
        return uuid_of(digest)

    class Claimed(Aggregate.Created):
        digest: str
        owner: UUID

    @event(Claimed)
    def __init__(self, digest: str, owner: UUID) -> None:
        self.digest = digest
        self.owner: UUID | None = owner

    def claim(self, owner: UUID) -> None:
        """Take a released key; claiming one's own key again changes nothing."""
        if self.owner == owner:
            return
        if self.owner is not None:
            raise AlreadyOwned(self.digest)
        self._claimed(owner)

    class Reclaimed(Aggregate.Event):
        owner: UUID

    @event(Reclaimed)
    def _claimed(self, owner: UUID) -> None:
        self.owner = owner

    def transfer(self, current: UUID, new_owner: UUID) -> None:
        """Hand the key from its holder to another identity (account fusion)."""
        if self.owner != current:
            raise AlreadyOwned(self.digest)
        self._transferred(new_owner)

    class Transferred(Aggregate.Event):
        new_owner: UUID

    @event(Transferred)
    def _transferred(self, new_owner: UUID) -> None:
        self.owner = new_owner

    def release(self, owner: UUID) -> None:
        """Give the key back; only its holder may, and releasing twice is a no-op."""
        if self.owner is None:
            return
        if self.owner != owner:
            raise AlreadyOwned(self.digest)
        self._released()

    class Released(Aggregate.Event):
        pass

    @event(Released)
    def _released(self) -> None:
        self.owner = None
