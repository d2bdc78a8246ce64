"""ClientSignIn: one sign-in of a person to a relying party, a stream of its own.

Created when the authorization code is issued, so the person's history shows
each application they signed into without growing the Identity's own stream
(frequent sign-ins would). Every code and token of the sign-in names this id,
so ending it revokes them all.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event


class ClientSignIn(Aggregate):
    signed_out: str | None = None  # why the sign-in ended, once it has

    class SignedIn(Aggregate.Created):
        identity_id: UUID
        client_id: str
        client_name: str
        sid: str
        contract_id: str
        scopes: list[str]
        auth_time: datetime

    @event(SignedIn)
    def __init__(
        self,
        identity_id: UUID,
        client_id: str,
        client_name: str,
        sid: str,
        contract_id: str,
        scopes: list[str],
        auth_time: datetime,
    ) -> None:
        self.identity_id = identity_id
        self.client_id = client_id
        self.client_name = client_name
        self.sid = sid
        self.contract_id = contract_id
        self.scopes = list(scopes)
        self.auth_time = auth_time

    def sign_out(self, reason: str) -> None:
        """End the sign-in (its tokens are revoked, its client told); ending
        it again changes nothing."""
        if self.signed_out is None:
            self._signed_out(reason)

    class SignedOut(Aggregate.Event):
        reason: str

    @event(SignedOut)
    def _signed_out(self, reason: str) -> None:
        self.signed_out = reason
