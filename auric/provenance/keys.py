"""Where the log's keys come from.

* The log key signs checkpoints (a C2SP signed-note Ed25519 key): `AURIC_PROVENANCE_LOG_KEY` (a
  ``PRIVATE+KEY+…`` string) or the file `AURIC_PROVENANCE_LOG_KEY_FILE`; a laptop gets one
  generated under `AURIC_VAR_DIR/provenance/` on first use (never committed).
* Custodial party keys (the platform itself and its own stations, warehouses and stores) are
  derived with HKDF-SHA256 from one custody seed (`AURIC_PROVENANCE_CUSTODY_SEED`, base64, or
  `…_FILE`; generated the same way for a laptop). Partners (labs, suppliers…) hold their own keys
  and the platform never sees them.
"""

from __future__ import annotations

import base64
import binascii
import os
import tempfile
from collections.abc import Callable
from functools import cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

from auric.provenance.note import Signer


def _dev_file(name: str) -> Path:
    return Path(settings.VAR_DIR) / "provenance" / name


def _read_or_create(path: Path, create: Callable[[], str]) -> str:
    """The file's text, creating it first if missing; atomic, so concurrent processes agree."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False) as handle:
            os.chmod(handle.name, 0o600)
            handle.write(create() + "\n")
        try:
            os.link(handle.name, path)  # fails if another process was first; theirs wins
        except FileExistsError:
            pass
        finally:
            os.unlink(handle.name)
    return path.read_text().strip()


def origin() -> str:
    return str(settings.AURIC_PROVENANCE_ORIGIN)


@cache
def log_signer() -> Signer:
    if value := settings.AURIC_PROVENANCE_LOG_KEY:
        text = value
    elif path := settings.AURIC_PROVENANCE_LOG_KEY_FILE:
        text = Path(path).read_text().strip()
    else:
        text = _read_or_create(_dev_file("log.key"), lambda: Signer.generate(origin()).private_key_string())
    signer = Signer.from_private_key(text)
    if signer.name != origin():
        raise ImproperlyConfigured(f"the log key is named {signer.name!r}; the log's origin is {origin()!r}")
    return signer


def log_verifier_key() -> str:
    return log_signer().verifier_key()


@cache
def _custody_seed() -> bytes:
    if value := settings.AURIC_PROVENANCE_CUSTODY_SEED:
        text = value
    elif path := settings.AURIC_PROVENANCE_CUSTODY_SEED_FILE:
        text = Path(path).read_text().strip()
    else:
        text = _read_or_create(_dev_file("custody.seed"), lambda: base64.b64encode(os.urandom(32)).decode())
    try:
        seed = base64.b64decode(text, validate=True)
    except binascii.Error as error:
        raise ImproperlyConfigured("the provenance custody seed is not base64") from error
    if len(seed) < 32:
        raise ImproperlyConfigured("the provenance custody seed needs at least 32 bytes")
    return seed


def custodial_key(party_id: str, generation: int = 0) -> Ed25519PrivateKey:
    """The private key of one of the platform's own parties (a new generation after a rotation)."""
    info = f"auric.provenance.party/{party_id}/{generation}".encode()
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(_custody_seed())
    return Ed25519PrivateKey.from_private_bytes(seed)


@receiver(setting_changed)
def _forget_keys(setting: str, **kwargs: object) -> None:
    if setting.startswith("AURIC_PROVENANCE_") or setting == "VAR_DIR":
        log_signer.cache_clear()
        _custody_seed.cache_clear()
