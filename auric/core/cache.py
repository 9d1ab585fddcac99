"""Storefront fragment caching that is invalidated, not guessed.

Every committed change to what catalog pages show (catalog, pricing and stock events; see
`events.publish` and `PAGE_EVENT_PREFIXES`) bumps the `catalog` generation, and cached
fragments are keyed by the generation they were built under, so a change retires all of them at
once across every process. Reading the generation is one primary-key query per request. A short
timeout bounds what time alone changes (a flash price window opening, midnight's metal price).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction
from django.db.models import F

from auric.core.models import CacheGeneration

CATALOG = "catalog"
# Events whose changes catalog pages show. Orders and payments change stock only through
# inventory's own events, so a checkout retires cached pages once (when a piece is reserved), not per step.
PAGE_EVENT_PREFIXES = ("catalog.", "pricing.", "inventory.")
T = TypeVar("T")


def generation(name: str = CATALOG) -> int:
    value = CacheGeneration.objects.filter(name=name).values_list("value", flat=True).first()
    return value or 0


def _bump(name: str) -> None:
    if not CacheGeneration.objects.filter(name=name).update(value=F("value") + 1):
        CacheGeneration.objects.get_or_create(name=name, defaults={"value": 1})


def bump_after_commit(name: str = CATALOG) -> None:
    """Bump the generation once when the current transaction commits (never on rollback)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        _bump(name)
        return
    # One bump per transaction (per savepoint) is enough, however many events it records.
    current = set(connection.savepoint_ids)
    if any(getattr(func, "auric_bump", None) == name and sids == current for sids, func, _ in connection.run_on_commit):
        return
    callback: Any = partial(_bump, name)
    callback.auric_bump = name
    transaction.on_commit(callback)


def cached(
    *, area: str, parts: tuple[Any, ...], build: Callable[[], T], timeout: int = 60, gen: int | None = None
) -> T:
    """`build()` once per generation of `area` and `parts`; later calls get the stored value."""
    current = generation(area) if gen is None else gen
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:32]
    key = f"auric:{area}:{current}:{digest}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, timeout)
    return value
