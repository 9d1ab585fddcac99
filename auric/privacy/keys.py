"""Where the vault's keys come from: the key-encryption key (KEK) ring and the blind-index key.

`KeyProvider` is the small interface a cloud KMS can implement (wrap/unwrap a data key, the id of
the current key). `LocalKeyProvider` keeps 32-byte AES keys from configuration: `AURIC_VAULT_KEK`
(base64 keys, comma-separated, the current one first) or the file `AURIC_VAULT_KEK_FILE` (one base64
key a line, the current one first). Without either, a laptop gets a key generated into
`AURIC_VAR_DIR/vault-keys/` on first use (never committed). The blind-index key is separate
(`AURIC_VAULT_INDEX_KEY` / `AURIC_VAULT_INDEX_KEY_FILE`), so the index reveals nothing to someone
holding only the KEK, and the reverse.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import secrets
from functools import cache
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

KEY_BYTES = 32
NONCE_BYTES = 12


class UnwrapFailed(Exception):
    """A wrapped data key did not open: wrong key, unknown key id, or tampered bytes."""


class KeyProvider(Protocol):
    """Wraps and unwraps data keys. `context` is authenticated with the wrap (binds it to its row)."""

    @property
    def current_key_id(self) -> str: ...

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        """Returns (key id, wrapped bytes) under the current key."""
        ...

    def unwrap(self, key_id: str, wrapped: bytes, *, context: bytes) -> bytes: ...

    def key_ids(self) -> list[str]:
        """Every key id this provider can unwrap with, current first."""
        ...


def key_id_of(key: bytes) -> str:
    # A fingerprint, not the key: a one-way hash of a random 256-bit key.
    return "kek-" + hashlib.sha256(b"auric-vault-kek-id\x00" + key).hexdigest()[:16]


def decode_key(text: str, *, source: str) -> bytes:
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{source}: not base64") from error
    if len(key) != KEY_BYTES:
        raise ImproperlyConfigured(f"{source}: a key must be {KEY_BYTES} bytes (base64), got {len(key)}")
    return key


def new_key_text() -> str:
    return base64.b64encode(secrets.token_bytes(KEY_BYTES)).decode()


def write_key_file(path: Path, keys: list[str]) -> None:
    """Writes base64 keys (current first) atomically, readable by the owner only."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".tmp-{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("\n".join(keys) + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def _default_key_path(name: str) -> Path:
    return Path(settings.VAR_DIR) / "vault-keys" / name


def _dev_key(path: Path) -> None:
    """Creates a dev key file once; concurrent first uses race on O_EXCL and all read the winner's key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key_text() + "\n")


def _read_keys(*, env_value: str, file_setting: str, default_name: str, label: str) -> tuple[list[bytes], Path | None]:
    if env_value:
        texts = [t for t in env_value.split(",") if t.strip()]
        return [decode_key(t, source=label) for t in texts], None
    configured = str(getattr(settings, file_setting, "") or "")
    path = Path(configured) if configured else _default_key_path(default_name)
    if not path.exists():
        if configured:
            raise ImproperlyConfigured(f"{file_setting}: no key file at {path} (manage.py create_vault_key)")
        _dev_key(path)
    texts = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    if not texts:
        raise ImproperlyConfigured(f"{file_setting}: {path} holds no key")
    return [decode_key(t, source=str(path)) for t in texts], path


def kek_file_path() -> Path | None:
    """The KEK file in use (None when the keys come from the environment)."""
    _, path = _read_keys(
        env_value=str(getattr(settings, "AURIC_VAULT_KEK", "") or ""),
        file_setting="AURIC_VAULT_KEK_FILE",
        default_name="kek",
        label="AURIC_VAULT_KEK",
    )
    return path


class LocalKeyProvider:
    """AES-256-GCM key wrapping with keys from configuration; the first key wraps, all keys unwrap."""

    def __init__(self, keys: list[bytes]):
        if not keys:
            raise ImproperlyConfigured("The vault needs at least one key-encryption key")
        self._keys = {key_id_of(k): k for k in keys}
        self._current = key_id_of(keys[0])

    @classmethod
    def from_settings(cls) -> LocalKeyProvider:
        keys, _ = _read_keys(
            env_value=str(getattr(settings, "AURIC_VAULT_KEK", "") or ""),
            file_setting="AURIC_VAULT_KEK_FILE",
            default_name="kek",
            label="AURIC_VAULT_KEK",
        )
        return cls(keys)

    @property
    def current_key_id(self) -> str:
        return self._current

    def key_ids(self) -> list[str]:
        return [self._current, *(k for k in self._keys if k != self._current)]

    def wrap(self, data_key: bytes, *, context: bytes) -> tuple[str, bytes]:
        nonce = secrets.token_bytes(NONCE_BYTES)
        return self._current, nonce + AESGCM(self._keys[self._current]).encrypt(nonce, data_key, context)

    def unwrap(self, key_id: str, wrapped: bytes, *, context: bytes) -> bytes:
        key = self._keys.get(key_id)
        if key is None:
            raise UnwrapFailed(f"key {key_id} is not configured")
        try:
            return AESGCM(key).decrypt(bytes(wrapped[:NONCE_BYTES]), bytes(wrapped[NONCE_BYTES:]), context)
        except InvalidTag as error:
            raise UnwrapFailed("the wrapped data key does not verify") from error


@cache
def key_provider() -> KeyProvider:
    """The configured provider (`AURIC_VAULT_KEY_PROVIDER`: a dotted path to a class with `from_settings`)."""
    path = getattr(settings, "AURIC_VAULT_KEY_PROVIDER", "") or "auric.privacy.keys.LocalKeyProvider"
    provider_class = import_string(path)
    return provider_class.from_settings()


@cache
def index_key() -> bytes:
    keys, _ = _read_keys(
        env_value=str(getattr(settings, "AURIC_VAULT_INDEX_KEY", "") or ""),
        file_setting="AURIC_VAULT_INDEX_KEY_FILE",
        default_name="index-key",
        label="AURIC_VAULT_INDEX_KEY",
    )
    return keys[0]


def reset_keys() -> None:
    """Forget cached keys (after a rotation wrote a new key file, or when settings change in tests)."""
    key_provider.cache_clear()
    index_key.cache_clear()


@receiver(setting_changed)
def _on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting.startswith("AURIC_VAULT_") or setting == "VAR_DIR":
        reset_keys()
