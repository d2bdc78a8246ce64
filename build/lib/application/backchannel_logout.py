"""Back-Channel Logout 1.0: telling each client that a sign-in of theirs ended.

A ``ClientSignIn.SignedOut`` event decides it; the outbox projection turns the
event into a row of kind ``backchannel_logout`` (recipient: the client's
``backchannel_logout_uri``; payload: client_id, sub, sid) in the transaction
that records its position, so a crash loses none. The worker signs the
logout_token as it sends it (§2.4: iss, aud, iat, exp, jti, sub, sid and the
event; never a nonce; ``typ`` logout+jwt) with the current signing key, and
POSTs it with the outbox's retries and back-off. The jti is derived from the
row, so a client sees a retry as the same logout.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any, Protocol
from uuid import UUID

from joserfc import jwt
from joserfc.jwk import RSAKey

from application.event_store import EventStore
from application.ports import Clock
from domain.client_sign_in import ClientSignIn
from domain.relying_party import RelyingParty

KIND = "backchannel_logout"
EVENT = "http://schemas.openid.net/event/backchannel-logout"
LIFETIME = timedelta(minutes=2)


@dataclass(frozen=True)
class Notice:
    """Who is to be told, about which sign-in: an outbox row's recipient and payload."""

    uri: str
    client_id: str
    sub: str
    sid: str

    def payload(self) -> dict[str, str]:
        return {k: v for k, v in asdict(self).items() if k != "uri"}


class Poster(Protocol):
    def post(self, uri: str, logout_token: str) -> None:
        """Deliver, or raise: ``Undeliverable`` for good, anything else to retry."""


class BackchannelLogout:
    def __init__(self, issuer: str, current_key: Callable[[], RSAKey], poster: Poster, clock: Clock) -> None:
        self.issuer = issuer
        self.current_key = current_key  # the signing key ID tokens use now
        self.poster = poster
        self.clock = clock

    def logout_token(self, row: dict[str, Any]) -> str:
        payload = row["payload"]
        now = int(self.clock.now().timestamp())
        claims = {
            "iss": self.issuer, "aud": payload["client_id"], "iat": now, "exp": now + int(LIFETIME.total_seconds()),
            "jti": hashlib.sha256(row["mail_id"].encode()).hexdigest()[:32], "sub": payload["sub"],
            "sid": payload["sid"], "events": {EVENT: {}},
        }
        key = self.current_key()
        return jwt.encode({"alg": "RS256", "kid": key.kid, "typ": "logout+jwt"}, claims, key)

    def send(self, row: dict[str, Any]) -> None:
        """The outbox's sender for rows of kind ``backchannel_logout``."""
        self.poster.post(row["recipient"], self.logout_token(row))


class LogoutNotices:
    """For the outbox projection: whom a ``SignedOut`` event tells, found by
    replaying the sign-in to that event; None when its client (still
    registered) has no back-channel logout URI."""

    def __init__(self, store: EventStore, client: Callable[[object], RelyingParty | None]) -> None:
        self.store = store
        self.client = client

    def __call__(self, sign_in_id: UUID, version: int) -> Notice | None:
        sign_in: ClientSignIn = self.store.repository.get(sign_in_id, version=version)
        client = self.client(sign_in.client_id)
        if client is None or not client.backchannel_logout_uri:
            return None
        return Notice(client.backchannel_logout_uri, sign_in.client_id, str(sign_in.identity_id), sign_in.sid)
