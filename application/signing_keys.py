"""The keys that sign ID tokens and logout tokens (RS256), shared by every process.

Keys live in a table: each ``serve`` signs with the newest one (the current
key), and the JWKS publishes it together with every older key whose
successor is younger than the longest lifetime of what a key signs, so an ID
token signed just before ``sesame keys rotate`` still verifies until it
expires. A private key is sealed at rest with AES-GCM under a key derived
from SECRET_KEY (its kid as associated data): the database alone holds no
usable key. The first process on an empty table creates the first key; two
processes starting together both try, and the table's uniqueness on the
generation number lets exactly one win.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from joserfc.jwk import DictKey, KeySetSerialization, RSAKey

from application.keyring import Keyring
from application.ports import Clock, SealerFor

ALGORITHM = "RS256"
SEAL_PURPOSE = "oidc-signing-keys"


@dataclass(frozen=True)
class StoredKey:
    kid: str
    generation: int
    sealed: bytes  # nonce (12 bytes) + AES-GCM ciphertext of the private key's PEM
    public_jwk: dict[str, Any]
    created_at: datetime


class SigningKeyStore(Protocol):
    def all(self) -> list[StoredKey]:
        """Every key, newest generation first."""

    def add(self, key: StoredKey) -> bool:
        """Insert unless that generation exists already; False when another process won."""

    def newest_kid(self) -> str | None:
        """The current key's kid alone (every ID token asks), None before the first key."""


class SigningKeys:
    def __init__(
        self, store: SigningKeyStore, keys: Keyring, sealer_for: SealerFor, clock: Clock, keep_for: timedelta
    ) -> None:
        self.store = store
        self._seal = sealer_for(keys.derive(SEAL_PURPOSE))
        self.clock = clock
        self.keep_for = keep_for  # the longest lifetime of anything a key signs
        self._opened: dict[str, RSAKey] = {}
        self._lock = threading.Lock()

    def ensure(self) -> None:
        """The first key, when there is none yet (every process calls this at start)."""
        if not self.store.all():
            self._add(1)

    def rotate(self) -> str:
        """A new current key; the previous ones stay published while needed."""
        while True:
            newest = self.store.all()
            kid = self._add(newest[0].generation + 1 if newest else 1)
            if kid:
                return kid

    def current(self) -> RSAKey:
        """The private key to sign with now, its kid set. Only the newest kid is
        looked up each time, so a rotation by another process (``sesame keys
        rotate``) counts at once; a key is read, unsealed and parsed once."""
        kid = self.store.newest_kid()
        if kid is None:
            self.ensure()
            kid = self.store.newest_kid()
        with self._lock:
            key = self._opened.get(kid or "")
        return key or self._open(next(stored for stored in self.store.all() if stored.kid == kid))

    def public_jwks(self) -> KeySetSerialization:
        """The JWKS: the current key and those whose successor is still young."""
        now = self.clock.now()
        published: list[DictKey] = []
        successor_at = None
        for key in self.store.all():
            if successor_at is None or successor_at + self.keep_for > now:
                published.append(key.public_jwk)
            successor_at = key.created_at
        return {"keys": published}

    def _add(self, generation: int) -> str | None:
        private = RSAKey.generate_key(2048, private=True)
        kid = private.thumbprint()
        jwk = {**private.as_dict(private=False), "kid": kid, "use": "sig", "alg": ALGORITHM}
        sealed = self._seal.seal(private.as_pem(private=True), kid.encode())
        won = self.store.add(StoredKey(kid, generation, sealed, jwk, self.clock.now()))
        return kid if won else None

    def _open(self, stored: StoredKey) -> RSAKey:
        with self._lock:
            key = self._opened.get(stored.kid)
        if key is None:
            pem = self._seal.open(stored.sealed, stored.kid.encode())
            key = RSAKey.import_key(pem, {"kid": stored.kid, "use": "sig", "alg": ALGORITHM})
            with self._lock:
                self._opened[stored.kid] = key
        return key
