"""The benchmark's baseline: the privacy interface WITHOUT the vault, to price what the vault costs.

`make bench` runs the checkout twice in one run, once as shipped (the encrypted, segmented vault
database) and once with `AURIC_PRIVACY_BACKEND=auric.demo.plain_privacy`: each value one plain row
in the commerce database, validated and masked the same way, no encryption, no segments, no blind
index, no reveal log. It refuses to load unless the benchmark views are on (AURIC_BENCH_VIEWS=1):
a shop must never keep personal data like this.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from auric.core.errors import NotFound, ValidationFailed
from auric.demo.models import PlainPersonalValue
from auric.privacy import vault
from auric.privacy.models import Kind

if not settings.AURIC_BENCH_VIEWS:
    raise ImproperlyConfigured("auric.demo.plain_privacy is a benchmark baseline: set AURIC_BENCH_VIEWS=1 to use it")


def store_many(items: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    rows = []
    for kind, value in items:
        if kind not in Kind.values:
            raise ValidationFailed(errors={"kind": [f"Unknown kind of personal data: {kind}"]})
        cleaned = vault._clean(kind, value)
        rows.append(
            PlainPersonalValue(
                token=vault.TOKEN_PREFIX + secrets.token_urlsafe(24),
                kind=kind,
                masked=vault._mask(kind, cleaned),
                value=cleaned,
            )
        )
    PlainPersonalValue.objects.bulk_create(rows)
    return [(row.token, row.masked) for row in rows]


def store_masked(kind: str, value: Any) -> tuple[str, str]:
    return store_many([(kind, value)])[0]


def store(kind: str, value: Any) -> str:
    return store_masked(kind, value)[0]


def masked(token: str) -> str:
    row = PlainPersonalValue.objects.filter(token=token).values_list("masked", flat=True).first()
    if row is None:
        raise NotFound("No such personal value")
    return row


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    row = PlainPersonalValue.objects.filter(token=token).first()
    if row is None:
        raise NotFound("No such personal value")
    return row.value


def find(kind: str, value: Any) -> list[str]:
    return list(PlainPersonalValue.objects.filter(kind=kind, value=value).values_list("token", flat=True))


def erase(token: str) -> None:
    if transaction.get_connection().needs_rollback:
        return  # stored in the commerce transaction that is rolling back: the row goes with it
    PlainPersonalValue.objects.filter(token=token).delete()


def access_log_for(tokens: Iterable[str], *, include_refused: bool = False) -> list[Any]:
    return []
