"""AES-GCM, the ``Sealer`` of personal fields, wrapped subject keys and signing keys."""

from __future__ import annotations

import functools
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from application.ports import Unopenable

NONCE_BYTES = 12


class AesGcm:
    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, associated_data: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, plaintext, associated_data)

    def open(self, sealed: bytes, associated_data: bytes) -> bytes:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], associated_data)
        except InvalidTag:
            raise Unopenable from None


@functools.lru_cache(maxsize=4096)
def aes_gcm(key: bytes) -> AesGcm:
    """One cipher object per key: building it costs more than a short seal."""
    return AesGcm(key)
