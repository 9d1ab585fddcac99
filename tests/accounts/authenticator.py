"""A software WebAuthn authenticator for tests: real "none" attestation and real assertions.

P-256 (ES256) key pairs from `cryptography`, COSE keys and attestation objects in CBOR (`cbor2`),
authenticator data with the UP/UV flags and sign counter, and ECDSA signatures over
authData ‖ SHA-256(clientDataJSON) — the structures a browser hands to the server.
Knobs let a test produce the bad cases: no user verification, another origin or RP id, a
counter that goes back, a corrupted signature.
"""

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

FLAG_UP = 0x01
FLAG_UV = 0x04
FLAG_AT = 0x40


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class SoftCredential:
    credential_id: bytes
    private_key: ec.EllipticCurvePrivateKey
    rp_id: str
    user_handle: bytes
    sign_count: int = 0

    def cose_public_key(self) -> bytes:
        numbers = self.private_key.public_key().public_numbers()
        return cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"), -3: numbers.y.to_bytes(32, "big")})


@dataclass
class SoftAuthenticator:
    origin: str = "http://localhost:8000"
    aaguid: bytes = b"\x00" * 16
    user_verifying: bool = True  # sets UV (the "fingerprint" matched)
    credentials: dict[str, SoftCredential] = field(default_factory=dict)

    # --- navigator.credentials.create() --------------------------------------------------
    def create(self, options: dict[str, Any], *, origin: str | None = None, rp_id: str | None = None) -> dict[str, Any]:
        rp = rp_id or options["rp"]["id"]
        cred = SoftCredential(
            credential_id=os.urandom(32),
            private_key=ec.generate_private_key(ec.SECP256R1()),
            rp_id=rp,
            user_handle=unb64url(options["user"]["id"]),
        )
        flags = FLAG_UP | FLAG_AT | (FLAG_UV if self.user_verifying else 0)
        attested = (
            self.aaguid + struct.pack(">H", len(cred.credential_id)) + cred.credential_id + cred.cose_public_key()
        )
        auth_data = hashlib.sha256(rp.encode()).digest() + bytes([flags]) + struct.pack(">I", 0) + attested
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        self.credentials[b64url(cred.credential_id)] = cred
        return {
            "id": b64url(cred.credential_id),
            "rawId": b64url(cred.credential_id),
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "attestationObject": b64url(attestation),
                "transports": ["internal", "hybrid"],
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    # --- navigator.credentials.get() -------------------------------------------------------
    def get(
        self,
        options: dict[str, Any],
        *,
        credential_id: str | None = None,
        origin: str | None = None,
        rp_id: str | None = None,
        sign_count: int | None = None,
        user_verified: bool | None = None,
        corrupt_signature: bool = False,
    ) -> dict[str, Any]:
        if credential_id is None:
            allowed = [c["id"] for c in options.get("allowCredentials") or []]
            candidates = [k for k in self.credentials if not allowed or k in allowed]
            credential_id = candidates[0]
        cred = self.credentials[credential_id]
        cred.sign_count = sign_count if sign_count is not None else cred.sign_count + 1
        uv = self.user_verifying if user_verified is None else user_verified
        flags = FLAG_UP | (FLAG_UV if uv else 0)
        rp = rp_id or options.get("rpId") or cred.rp_id
        auth_data = hashlib.sha256(rp.encode()).digest() + bytes([flags]) + struct.pack(">I", cred.sign_count)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = cred.private_key.sign(auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256()))
        if corrupt_signature:
            signature = signature[:-1] + bytes([signature[-1] ^ 0x01])
        return {
            "id": credential_id,
            "rawId": credential_id,
            "type": "public-key",
            "response": {
                "clientDataJSON": b64url(client_data),
                "authenticatorData": b64url(auth_data),
                "signature": b64url(signature),
                "userHandle": b64url(cred.user_handle),
            },
            "clientExtensionResults": {},
            "authenticatorAttachment": "platform",
        }

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        body = {"type": kind, "challenge": challenge, "origin": origin or self.origin, "crossOrigin": False}
        return json.dumps(body, separators=(",", ":")).encode()
