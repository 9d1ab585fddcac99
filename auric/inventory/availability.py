"""The availability summary kept on Style: available_count, online_count and price_from.

Every stock movement service calls `refresh_style_availability` for the styles it touched, in its
own transaction; the `pricing.PricesChanged` handler calls it when prices move. It runs a fixed
number of queries for any number of styles (per batch of STYLE_BATCH): it locks the style rows
last (see `inventory.locks`), so two movements of one style cannot write stale counts over each
other on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Min, Q, Sum

from auric.catalog.models import Piece, Style, Variant
from auric.inventory import locks
from auric.inventory.models import PieceStatus, PieceStock, StockLevel

# Styles refreshed per batch: keeps IN lists well under database parameter limits.
STYLE_BATCH = 500


def refresh_style_availability(*, style_ids: Iterable[int]) -> int:
    """Recompute Style.available_count, online_count and price_from; returns how many changed.

    A fixed number of queries per batch of STYLE_BATCH styles (lock, four aggregates, one
    bulk update), whatever the number of pieces. Counts cover active locations; price_from is
    the lowest price among available pieces, else among all pieces, else (fixed-price styles)
    the style's fixed price, else the lowest variant fixed price.
    """
    ids = sorted({int(i) for i in style_ids})
    changed = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), STYLE_BATCH):
            changed += _refresh_batch(ids[start : start + STYLE_BATCH])
    return changed


def _refresh_batch(ids: list[int]) -> int:
    summary = ("pricing_mode", "fixed_price", "available_count", "online_count", "price_from")
    styles = locks.lock_styles(ids, fields=summary)
    online = Q(location__sells_online=True)
    pieces: dict[int, dict[str, Any]] = {
        row["piece__style_id"]: dict(row)
        for row in PieceStock.objects.filter(
            piece__style_id__in=ids, status=PieceStatus.AVAILABLE, location__is_active=True
        )
        .values("piece__style_id")
        .annotate(n=Count("pk"), online=Count("pk", filter=online), price=Min("piece__price"))
    }
    any_price = dict(
        Piece.objects.filter(style_id__in=ids, price__isnull=False)
        .values("style_id")
        .annotate(price=Min("price"))
        .values_list("style_id", "price")
    )
    free = F("on_hand") - F("reserved")
    quantities: dict[int, dict[str, Any]] = {
        row["variant__style_id"]: dict(row)
        for row in StockLevel.objects.filter(variant__style_id__in=ids, location__is_active=True)
        .values("variant__style_id")
        .annotate(n=Sum(free), online=Sum(free, filter=online))
    }
    variant_price = dict(
        Variant.objects.filter(style_id__in=ids, fixed_price__isnull=False)
        .values("style_id")
        .annotate(price=Min("fixed_price"))
        .values_list("style_id", "price")
    )
    dirty = []
    for style in styles:
        p: dict[str, Any] = pieces.get(style.pk, {})
        q: dict[str, Any] = quantities.get(style.pk, {})
        available = int(p.get("n") or 0) + int(q.get("n") or 0)
        on_line = int(p.get("online") or 0) + int(q.get("online") or 0)
        price: Decimal | None = p.get("price")
        if price is None:
            price = any_price.get(style.pk)
        if price is None and style.pricing_mode == Style.PricingMode.FIXED:
            price = style.fixed_price or variant_price.get(style.pk)
        if (style.available_count, style.online_count, style.price_from) != (available, on_line, price):
            style.available_count, style.online_count, style.price_from = available, on_line, price
            dirty.append(style)
    if dirty:
        Style.objects.bulk_update(dirty, ["available_count", "online_count", "price_from"])
    return len(dirty)
