"""Collect witnesses' cosignatures on the log's checkpoints (the C2SP tlog-witness client side).

For each configured witness the log sends the latest checkpoint with a consistency proof from the
last size that witness cosigned; a witness that knows a different size answers 409 with it, and the
log retries once from there. A returned cosignature is checked against the witness's key before it
is stored. Witnesses are listed in `AURIC_PROVENANCE_WITNESSES` as ``name vkey url`` lines, and the
policy (`/log/policy`) names them with the quorum `AURIC_PROVENANCE_WITNESS_QUORUM`.
"""

from __future__ import annotations

import base64
import logging
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from auric.provenance import selectors
from auric.provenance.models import Checkpoint, Cosignature
from auric.provenance.note import CosignatureVerifier, NoteError, open_note

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class Witness:
    name: str
    verifier_key: str
    url: str


def configured_witnesses() -> list[Witness]:
    witnesses = []
    for line in str(settings.AURIC_PROVENANCE_WITNESSES).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, vkey, url = line.split()
        witnesses.append(Witness(name=name, verifier_key=vkey, url=url.rstrip("/")))
    return witnesses


Post = Callable[[str, bytes], tuple[int, bytes]]  # (url, body) → (status, body)


def http_post(url: str, body: bytes) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "text/plain"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310  # nosec B310
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def add_checkpoint_body(old_size: int, proof: list[bytes], note: str) -> bytes:
    lines = [f"old {old_size}", *(base64.b64encode(h).decode() for h in proof)]
    return ("\n".join(lines) + "\n\n" + note).encode()


def _last_cosigned_size(witness: Witness) -> int:
    latest = Cosignature.objects.filter(witness=witness.name).order_by("-checkpoint__size").first()
    return latest.checkpoint_id if latest else 0


def _proof(old_size: int, checkpoint: Checkpoint) -> list[bytes]:
    if old_size in (0, checkpoint.size):
        return []
    return selectors.consistency_proof(old_size, checkpoint.size)


def request_cosignature(witness: Witness, checkpoint: Checkpoint, post: Post = http_post) -> Cosignature | None:
    """Ask one witness to cosign; store and return its verified cosignature (None if it refused)."""
    existing = Cosignature.objects.filter(checkpoint=checkpoint, witness=witness.name).first()
    if existing is not None:
        return existing
    old_size = _last_cosigned_size(witness)
    if old_size > checkpoint.size:
        logger.warning(
            "witness %s cosigned a larger tree (%s) than checkpoint %s", witness.name, old_size, checkpoint.size
        )
        return None
    url = f"{witness.url}/add-checkpoint"
    status, answer = post(url, add_checkpoint_body(old_size, _proof(old_size, checkpoint), checkpoint.note))
    if status == 409:  # the witness knows another size: prove consistency from there, once
        try:
            old_size = int(answer.decode().strip())
        except ValueError:
            return None
        if not 0 <= old_size <= checkpoint.size:
            return None
        status, answer = post(url, add_checkpoint_body(old_size, _proof(old_size, checkpoint), checkpoint.note))
    if status != 200:
        logger.warning("witness %s refused checkpoint %s: %s %s", witness.name, checkpoint.size, status, answer[:200])
        return None
    lines = [line for line in answer.decode().splitlines() if line.strip()]
    verifier = CosignatureVerifier.from_string(witness.verifier_key)
    for line in lines:
        try:
            open_note(checkpoint.note + line + "\n", [verifier])
        except NoteError:
            continue
        return Cosignature.objects.create(checkpoint=checkpoint, witness=witness.name, line=line)
    logger.warning("witness %s answered no cosignature that verifies", witness.name)
    return None


def collect_cosignatures(post: Post = http_post) -> dict[str, bool]:
    """Ask every configured witness to cosign the latest checkpoint; which ones did."""
    checkpoint = selectors.latest_checkpoint()
    if checkpoint is None:
        return {}
    return {w.name: request_cosignature(w, checkpoint, post) is not None for w in configured_witnesses()}
