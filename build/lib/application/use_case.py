"""What every use case reaches for: aggregates through the directory (and the
store and keys behind it), passwords, the clock and the throttle; the signed-in
person; and the one way an emailed link (or a sign-in challenge) is opened."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from application.directory import Directory
from application.errors import Refused
from application.passwords import Passwords
from application.ports import Clock
from application.throttle import Throttle
from domain.identity import ACTIVE, Identity, Link


class UseCase:
    def __init__(self, directory: Directory, passwords: Passwords, clock: Clock, throttle: Throttle) -> None:
        self.directory = directory
        self.store = directory.store
        self.keys = directory.keys
        self.passwords = passwords
        self.clock = clock
        self.throttle = throttle

    def person(self, identity_id: UUID) -> Identity:
        """The signed-in person's active identity (a session outliving it is refused)."""
        identity = self.directory.identity(identity_id)
        if identity is None or identity.status != ACTIVE:
            raise Refused("unauthenticated", "Votre session a expiré : reconnectez-vous.")
        return identity

    def open_link(
        self, purpose: str, token: object, link_of: Callable[[Identity], Link | None], origin: str | None
    ) -> tuple[Identity, Link]:
        """The identity and its live link an emailed token opens, or
        ``invalid_token``; a wrong token counts as a guess from its client
        address like any other secret (a right one takes its count back)."""
        attempt = self.throttle.attempt(*self.throttle.guesses_from(origin))
        identity = self.directory.identity(self.keys.owner_of(token) if isinstance(token, str) else None)
        link = link_of(identity) if identity else None
        if identity is None or link is None or not self.keys.check(purpose, str(token), link.nonce):
            raise invalid_token()
        attempt.passed()
        return identity, link

    def check_link(
        self, purpose: str, token: object, link_of: Callable[[Identity], Link | None], origin: str | None
    ) -> Identity:
        """Whether an emailed link still works, without using it: a page opened
        from a mail checks it (mail scanners open links too, so nothing is
        consumed) and shows only why a dead one is dead."""
        identity, link = self.open_link(purpose, token, link_of, origin)
        if self.clock.now() >= link.expires_at:
            raise Refused("invalid_token", "Ce lien a expiré : demandez-en un nouveau.", reason="expired")
        return identity


def invalid_token() -> Refused:
    return Refused(
        "invalid_token", "Ce lien n'est plus valable : il a déjà servi, a expiré ou a été remplacé par un plus récent."
    )
