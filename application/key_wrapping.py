"""Subject keys are kept wrapped, so a copy of the database alone opens no field.

Each per-subject data key (see ``personal_data``) is stored encrypted with
AES-GCM under a key-encryption key derived from ``KEY_ENCRYPTION_KEY`` when it
is set, else from ``SECRET_KEY`` (``Keyring.derive``), neither of which is in
the database. The subject's id is the associated data: a wrapped key copied
onto another subject's row does not open there. A row reads ``kw1:`` then the
base64 of nonce, ciphertext and tag; an erased subject's row is still NULL.

Rows of older versions hold the key in clear: they are wrapped in place when
a process starts (``KeyTable.wrap_clear_keys``), before it reads any, rather
than on first read, because the promise is about the whole file: a subject
nobody reads again would otherwise keep its key in clear for ever. After
that, a row in clear is refused, not read: accepting one would let whoever can
write to the table plant a key of their choosing for new personal data.
"""

from __future__ import annotations

import base64

from application.ports import Sealer, Unopenable

WRAPPED = "kw1:"
PURPOSE = "subject-key-wrapping"


class UnreadableKey(Exception):
    """A stored subject key that this key-encryption key does not open: another
    SECRET_KEY / KEY_ENCRYPTION_KEY, a row moved to another subject, or a key in clear."""


class KeyWrapping:
    def __init__(self, sealer: Sealer) -> None:
        """``sealer``: the sealer of the key-encryption key."""
        self._sealer = sealer

    @staticmethod
    def _subject(subject: str) -> bytes:
        return f"subject-key:{subject}".encode()

    def wrap(self, subject: str, key: bytes) -> str:
        return WRAPPED + base64.b64encode(self._sealer.seal(key, self._subject(subject))).decode()

    def unwrap(self, subject: str, stored: str) -> bytes:
        if not stored.startswith(WRAPPED):
            raise UnreadableKey(f"the key of {subject} is not wrapped")
        raw = base64.b64decode(stored[len(WRAPPED):])
        try:
            return self._sealer.open(raw, self._subject(subject))
        except Unopenable:
            raise UnreadableKey(f"the key of {subject} does not open with this key-encryption key") from None
