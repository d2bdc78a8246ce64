"""A software passkey authenticator for tests without a browser: it answers
``navigator.credentials.create`` and ``get`` options (as the server sends
them, JSON) with what a browser would post back (JSON, base64url), signing
with an ES256 key of its own (WebAuthn §6.1 authenticator data, "none"
attestation). It keeps a signature counter, which a test may turn back to
play a cloned authenticator."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import struct
from dataclasses import dataclass, field
from typing import Any

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

UP, UV, AT = 0x01, 0x04, 0x40


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Credential:
    credential_id: bytes
    key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0


@dataclass
class SoftAuthenticator:
    origin: str
    counting: bool = True  # False: an authenticator that keeps no counter (synced passkeys)
    verifies_user: bool = True
    credentials: list[Credential] = field(default_factory=list)

    def create(self, options: str | dict[str, Any]) -> str:
        """The browser's answer to registration options (a new discoverable credential)."""
        opts = json.loads(options) if isinstance(options, str) else options
        rp_id = opts["rp"]["id"]
        excluded = {unb64(c["id"]) for c in opts.get("excludeCredentials", [])}
        if any(c.credential_id in excluded for c in self.credentials):
            raise ValueError("InvalidStateError: this authenticator already holds a passkey of this account")
        key = ec.generate_private_key(ec.SECP256R1())
        credential = Credential(os.urandom(16), key, rp_id, unb64(opts["user"]["id"]))
        self.credentials.append(credential)
        numbers = credential.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})
        attested = b"\0" * 16 + struct.pack(">H", len(credential.credential_id)) + credential.credential_id + cose
        auth_data = self._auth_data(rp_id, AT, 0) + attested
        client_data = self._client_data("webauthn.create", opts["challenge"])
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        return json.dumps({
            "id": b64(credential.credential_id), "rawId": b64(credential.credential_id), "type": "public-key",
            "response": {"clientDataJSON": b64(client_data), "attestationObject": b64(attestation)},
        })

    def get(self, options: str | dict[str, Any], credential: Credential | None = None) -> str:
        """The browser's answer to sign-in options, by ``credential`` (the last one created by default)."""
        opts = json.loads(options) if isinstance(options, str) else options
        credential = credential or self.credentials[-1]
        if self.counting:
            credential.sign_count += 1
        auth_data = self._auth_data(opts["rpId"], 0, credential.sign_count if self.counting else 0)
        client_data = self._client_data("webauthn.get", opts["challenge"])
        signature = credential.key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        return json.dumps({
            "id": b64(credential.credential_id), "rawId": b64(credential.credential_id), "type": "public-key",
            "response": {
                "clientDataJSON": b64(client_data), "authenticatorData": b64(auth_data), "signature": b64(signature),
                "userHandle": b64(credential.user_handle),
            },
        })

    def _auth_data(self, rp_id: str, flags: int, sign_count: int) -> bytes:
        flags |= UP | (UV if self.verifies_user else 0)
        return hashlib.sha256(rp_id.encode()).digest() + bytes([flags]) + struct.pack(">I", sign_count)

    def _client_data(self, kind: str, challenge: str) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge, "origin": self.origin, "crossOrigin": False}).encode()
