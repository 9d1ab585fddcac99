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
from django.db.models import Aggregate, Count, F, Min, OuterRef, QuerySet, Subquery, Sum

from auric.catalog.models import Piece, Style, Variant
from auric.inventory import locks
from auric.inventory.models import PieceStatus, PieceStock, StockLevel

# Styles refreshed per batch: keeps IN lists well under database parameter limits.
STYLE_BATCH = 500


def refresh_style_availability(*, style_ids: Iterable[int]) -> int:
    """Recompute Style.available_count, online_count and price_from; returns how many changed.

    A fixed number of queries per batch of STYLE_BATCH styles (lock, one query of per-style
    aggregates, one bulk update when something changed), whatever the number of pieces. Counts cover active locations; price_from is
    the lowest price among available pieces, else among all pieces, else (fixed-price styles)
    the style's fixed price, else the lowest variant fixed price.
    """
    ids = sorted({int(i) for i in style_ids})
    changed = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), STYLE_BATCH):
            changed += _refresh_batch(ids[start : start + STYLE_BATCH])
    return changed


def _per_style(rows: QuerySet[Any], style: str, value: Aggregate) -> Subquery:
    """One aggregate over `rows` of the outer style, as a scalar subquery."""
    return Subquery(rows.filter(**{style: OuterRef("pk")}).order_by().values(style).annotate(v=value).values("v")[:1])


def _refresh_batch(ids: list[int]) -> int:
    summary = ("pricing_mode", "fixed_price", "available_count", "online_count", "price_from")
    styles = locks.lock_styles(ids, fields=summary)
    # Aggregates in a statement after the lock, so they see every movement committed before it.
    available = PieceStock.objects.filter(status=PieceStatus.AVAILABLE, location__is_active=True)
    stocked = StockLevel.objects.filter(location__is_active=True)
    free = F("on_hand") - F("reserved")
    figures = {
        row[0]: row[1:]
        for row in Style.objects.filter(pk__in=ids)
        .annotate(
            p_n=_per_style(available, "piece__style_id", Count("pk")),
            p_online=_per_style(available.filter(location__sells_online=True), "piece__style_id", Count("pk")),
            p_price=_per_style(available, "piece__style_id", Min("piece__price")),
            any_price=_per_style(Piece.objects.filter(price__isnull=False), "style_id", Min("price")),
            q_n=_per_style(stocked, "variant__style_id", Sum(free)),
            q_online=_per_style(stocked.filter(location__sells_online=True), "variant__style_id", Sum(free)),
            variant_price=_per_style(Variant.objects.filter(fixed_price__isnull=False), "style_id", Min("fixed_price")),
        )
        .values_list("pk", "p_n", "p_online", "p_price", "any_price", "q_n", "q_online", "variant_price")
    }
    dirty = []
    for style in styles:
        p_n, p_online, p_price, any_price, q_n, q_online, variant_price = figures[style.pk]
        available_count = int(p_n or 0) + int(q_n or 0)
        on_line = int(p_online or 0) + int(q_online or 0)
        price: Decimal | None = p_price if p_price is not None else any_price
        if price is None and style.pricing_mode == Style.PricingMode.FIXED:
            price = style.fixed_price or variant_price
        if (style.available_count, style.online_count, style.price_from) != (available_count, on_line, price):
            style.available_count, style.online_count, style.price_from = available_count, on_line, price
            dirty.append(style)
    if dirty:
        Style.objects.bulk_update(dirty, ["available_count", "online_count", "price_from"])
    return len(dirty)
