"""Registering relying parties (``sesame clients ...``) and finding them.

A client id is its RelyingParty aggregate id. A confidential client's secret
is 256 random bits shown once; the store keeps only its keyed digest, so
neither the database nor a copy of it can authenticate as the client.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from uuid import UUID

from application.errors import Refused
from application.event_store import EventStore, retrying
from application.keyring import Keyring
from domain.agency_codes import agency_pair
from domain.errors import DomainError
from domain.relying_party import RelyingParty

SECRET_PURPOSE = "oidc-client-secret"  # noqa: S105 - the label of a keyed digest, not a secret
CACHE_SECONDS = 5.0


@dataclass(frozen=True)
class NewClient:
    client_id: str
    client_secret: str | None


class RelyingParties:
    def __init__(self, store: EventStore, keys: Keyring) -> None:
        self.store = store
        self.keys = keys
        self._cache: dict[UUID, tuple[float, RelyingParty | None]] = {}
        self._lock = threading.Lock()

    def add(
        self,
        name: str,
        redirect_uris: list[str],
        post_logout_redirect_uris: list[str] | None = None,
        backchannel_logout_uri: str | None = None,
        public: bool = False,
        agency: str | None = None,
    ) -> NewClient:
        secret = None if public else secrets.token_urlsafe(32)
        codes = None
        if agency is not None:
            codes = agency_pair(agency)
        try:
            party = RelyingParty(
                name, list(redirect_uris), list(post_logout_redirect_uris or []), backchannel_logout_uri, public, codes,
                self.keys.digest(SECRET_PURPOSE, secret) if secret else None,
            )
        except DomainError as error:
            raise Refused("invalid_request", f"Application invalide : {error}.") from error
        self.store.commit(party)
        return NewClient(str(party.id), secret)

    def find(self, client_id: object) -> RelyingParty | None:
        """The registered, not removed, client with this id. Every protocol
        request asks, so the answer is kept ``CACHE_SECONDS``: a removal made
        by ``sesame clients remove`` takes that long to reach a running server."""
        party_id = parse_id(client_id)
        if party_id is None:
            return None
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(party_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        party = self._load(party_id)
        with self._lock:
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[party_id] = (now + CACHE_SECONDS, party)
        return party

    def _load(self, party_id: UUID) -> RelyingParty | None:
        party = self.store.find(RelyingParty, party_id)
        return party if party is not None and not party.removed else None

    def check_secret(self, party: RelyingParty, secret: str) -> bool:
        """Constant-time comparison of keyed digests."""
        if party.secret_digest is None or not secret:
            return False
        return hmac.compare_digest(self.keys.digest(SECRET_PURPOSE, secret), party.secret_digest)

    def all(self) -> list[RelyingParty]:
        """Every registered client still in service, oldest first."""
        return [p for i in self.store.ids_created_by(RelyingParty.Registered) if (p := self._load(i)) is not None]

    @retrying()
    def remove(self, client_id: str) -> RelyingParty:
        party_id = parse_id(client_id)
        party = self._load(party_id) if party_id else None
        if party is None:
            raise Refused("not_found", f"Aucune application « {client_id} ».")
        party.remove()
        self.store.commit(party)
        with self._lock:
            self._cache.pop(party.id, None)
        return party


def parse_id(client_id: object) -> UUID | None:
    try:
        return UUID(str(client_id))
    except ValueError:
        return None
