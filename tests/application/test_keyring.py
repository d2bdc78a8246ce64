"""``Keyring.derive`` is HKDF-SHA256 written with the standard library: it must
give the very keys the cryptography package gave, or every sealed field,
wrapped key and signing key stored so far would stop opening."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from application.keyring import Keyring


def test_derived_keys_are_those_of_rfc_5869_hkdf() -> None:
    for secret in (b"s" * 32, "une-clé-secrète-de-test-assez-longue".encode()):
        for purpose in ("subject-key-wrapping", "oidc-signing-keys", "x"):
            expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"sesame:{purpose}".encode())
            assert Keyring(secret).derive(purpose) == expected.derive(secret)
