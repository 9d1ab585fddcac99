"""Key rotation: re-wrap every data key under the current key-encryption key.

Only the wrapped data keys change; ciphertexts stay as they are. Each row records the id of the key
that wraps it, so the work left is "rows not under the current key": an interrupted run resumes
where it stopped, and `KeyRotation` keeps the count for operators. A row that does not verify is
logged and left alone (the run then does not finish) rather than stopping the whole rotation.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from auric.privacy import crypto
from auric.privacy.keys import key_provider
from auric.privacy.models import SEGMENT_MODELS, KeyRotation
from auric.privacy.vault import vault_alias

logger = logging.getLogger("auric.privacy")


@dataclass
class RotationReport:
    to_key_id: str
    total: int
    rewrapped: int
    failed: int
    finished: bool


def pending_rows(key_id: str) -> int:
    return sum(model.objects.exclude(kek_id=key_id).count() for model in SEGMENT_MODELS.values())


def rotate(
    *,
    batch_size: int = 500,
    max_rows: int | None = None,
    on_start: Callable[[int, int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> RotationReport:
    """Re-wraps rows not under the current key, in batches of one transaction each.

    `on_start(total, already_done)` and `on_batch(count)` drive a progress bar; `max_rows` stops early
    (a maintenance window); running again continues.
    """
    provider = key_provider()
    target = provider.current_key_id
    pending = pending_rows(target)
    rotation = KeyRotation.objects.filter(to_key_id=target, finished_at__isnull=True).order_by("-id").first()
    if rotation is None:
        rotation = KeyRotation.objects.create(to_key_id=target, total=pending)
    else:
        rotation.total = rotation.rewrapped + pending
        rotation.save(update_fields=["total"])
    if on_start:
        on_start(rotation.total, rotation.rewrapped)
    failed_tokens: set[str] = set()
    budget = pending if max_rows is None else min(max_rows, pending)
    for segment, model in SEGMENT_MODELS.items():
        while budget > 0:
            with transaction.atomic(using=vault_alias()):
                rows = list(
                    model.objects.select_for_update()
                    .exclude(kek_id=target)
                    .exclude(token__in=failed_tokens)
                    .select_related("record")
                    .order_by("token")[: min(batch_size, budget)]
                )
                if not rows:
                    break
                done = 0
                for row in rows:
                    aad = crypto.associated_data(
                        kind=row.record.kind, segment=segment, owner=row.record_id, segment_token=row.token
                    )
                    sealed = crypto.Sealed(
                        ciphertext=bytes(row.ciphertext), wrapped_key=bytes(row.wrapped_key), kek_id=row.kek_id
                    )
                    try:
                        fresh = crypto.rewrap(sealed, aad=aad, provider=provider)
                    except crypto.IntegrityFailure as error:
                        logger.error("vault rotation: %s segment %s does not verify: %s", segment, row.token, error)
                        failed_tokens.add(row.token)
                        continue
                    model.objects.filter(pk=row.pk).update(wrapped_key=fresh.wrapped_key, kek_id=fresh.kek_id)
                    done += 1
                rotation.rewrapped += done
                rotation.save(update_fields=["rewrapped"])
            budget -= len(rows)
            if on_batch:
                on_batch(len(rows))
    finished = pending_rows(target) == 0
    if finished:
        rotation.finished_at = timezone.now()
        rotation.save(update_fields=["finished_at"])
    return RotationReport(
        to_key_id=target,
        total=rotation.total,
        rewrapped=rotation.rewrapped,
        failed=len(failed_tokens),
        finished=finished,
    )


def key_ids_in_use() -> set[str]:
    used: set[str] = set()
    for model in SEGMENT_MODELS.values():
        used.update(model.objects.values_list("kek_id", flat=True).distinct())
    return used
