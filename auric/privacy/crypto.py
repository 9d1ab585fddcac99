"""Envelope encryption of vault segments and the blind index.

Each segment row gets a fresh random 256-bit data key; its parts are sealed with AES-256-GCM under
that key with associated data naming the kind, segment, owner token and segment token, and the
data key is wrapped by the key provider with the same binding. Moving a ciphertext or a wrapped key
to another row therefore fails authentication instead of decrypting to someone else's value.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from auric.privacy.keys import KEY_BYTES, NONCE_BYTES, KeyProvider, UnwrapFailed

FORMAT = b"auric-vault/1"


class IntegrityFailure(Exception):
    """A ciphertext or wrapped key did not verify: tampered, swapped between rows, or the wrong key."""


def associated_data(*, kind: str, segment: str, owner: str, segment_token: str) -> bytes:
    return b"|".join((FORMAT, kind.encode(), segment.encode(), owner.encode(), segment_token.encode()))


@dataclass(frozen=True)
class Sealed:
    ciphertext: bytes
    wrapped_key: bytes
    kek_id: str


def seal(parts: Any, *, aad: bytes, provider: KeyProvider) -> Sealed:
    data_key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
    nonce = secrets.token_bytes(NONCE_BYTES)
    plaintext = json.dumps(parts, ensure_ascii=False, separators=(",", ":")).encode()
    ciphertext = nonce + AESGCM(data_key).encrypt(nonce, plaintext, aad)
    kek_id, wrapped = provider.wrap(data_key, context=aad)
    return Sealed(ciphertext=ciphertext, wrapped_key=wrapped, kek_id=kek_id)


def open_sealed(sealed: Sealed, *, aad: bytes, provider: KeyProvider) -> Any:
    try:
        data_key = provider.unwrap(sealed.kek_id, bytes(sealed.wrapped_key), context=aad)
        blob = bytes(sealed.ciphertext)
        plaintext = AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], aad)
    except (UnwrapFailed, InvalidTag, ValueError) as error:
        raise IntegrityFailure(str(error) or type(error).__name__) from error
    return json.loads(plaintext)


def rewrap(sealed: Sealed, *, aad: bytes, provider: KeyProvider) -> Sealed:
    """The same ciphertext with its data key wrapped under the provider's current key."""
    try:
        data_key = provider.unwrap(sealed.kek_id, bytes(sealed.wrapped_key), context=aad)
    except UnwrapFailed as error:
        raise IntegrityFailure(str(error)) from error
    kek_id, wrapped = provider.wrap(data_key, context=aad)
    return Sealed(ciphertext=bytes(sealed.ciphertext), wrapped_key=wrapped, kek_id=kek_id)


# --- blind index ----------------------------------------------------------------------------------

_SPACES = re.compile(r"\s+")


def normalise(kind: str, value: str) -> str:
    """The form two spellings of the same value share: digits of a phone, case-folded e-mail…"""
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if kind == "phone":
        digits = re.sub(r"\D", "", text)
        # +86 138… and 138… are the same mainland mobile number.
        if len(digits) == 13 and digits.startswith("86"):
            digits = digits[2:]
        return digits
    if kind == "email":
        return text.casefold()
    if kind in {"id_number", "tax_id"}:
        return re.sub(r"[\s-]", "", text).upper()
    return _SPACES.sub(" ", text).casefold()


def blind_digest(kind: str, value: str, *, key: bytes) -> str:
    message = b"auric-blind/1\x00" + kind.encode() + b"\x00" + normalise(kind, value).encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
