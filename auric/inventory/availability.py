"""The availability summary kept on Style: available_count, online_count and price_from.

Every stock movement service calls `refresh_style_availability` for the styles it touched, in its
own transaction; the `pricing.PricesChanged` handler calls it when prices move. It runs a fixed
number of queries for any number of styles (per batch of STYLE_BATCH): it locks the style rows
last (see `inventory.locks`), so two movements of one style cannot write stale counts over each
other on PostgreSQL.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

from auric.catalog.models import Piece, Style, Variant
from auric.core.sql import column
from auric.inventory import locks
from auric.inventory.models import Location, PieceStatus, PieceStock, StockLevel

# Styles refreshed per batch: keeps IN lists well under database parameter limits.
STYLE_BATCH = 500
_MONEY = Piece._meta.get_field("price")


def refresh_style_availability(*, style_ids: Iterable[int]) -> int:
    """Recompute Style.available_count, online_count and price_from; returns how many changed.

    A fixed number of queries per batch of STYLE_BATCH styles (lock, one statement of per-style
    figures, one update when something changed), whatever the number of pieces. Counts cover active locations; price_from is
    the lowest price among available pieces, else among all pieces, else (fixed-price styles)
    the style's fixed price, else the lowest variant fixed price.
    """
    ids = sorted({int(i) for i in style_ids})
    changed = 0
    with transaction.atomic(savepoint=False):
        for start in range(0, len(ids), STYLE_BATCH):
            changed += _refresh_batch(ids[start : start + STYLE_BATCH])
    return changed


def _table(model: type[Model], field: str = "") -> str:
    quote = connection.ops.quote_name
    return quote(column(model, field)) if field else quote(model._meta.db_table)


@functools.cache
def _figures_sql(vendor: str) -> str:
    """The per-style figures as one statement of scalar subqueries (one for each style in the IN list).

    Written out rather than composed with the ORM: composing four grouped aggregates costs several
    milliseconds of Python per call, and every reservation and release calls this. Names come from the
    models' metadata, constants are the code's own (TRUE is understood by PostgreSQL and SQLite alike);
    only the style ids are parameters. `vendor` keys the cache (quoting differs between databases)."""
    ps, pc, loc = _table(PieceStock), _table(Piece), _table(Location)
    sl, va, st = _table(StockLevel), _table(Variant), _table(Style)
    available = (
        f"FROM {ps} ps JOIN {pc} p ON p.id = ps.{_table(PieceStock, 'piece')} "
        f"JOIN {loc} l ON l.id = ps.{_table(PieceStock, 'location')} "
        f"WHERE p.{_table(Piece, 'style')} = s.id "
        f"AND ps.{_table(PieceStock, 'status')} = '{PieceStatus.AVAILABLE.value}' "
        f"AND l.{_table(Location, 'is_active')} = TRUE"
    )
    stocked = (
        f"FROM {sl} q JOIN {va} v ON v.id = q.{_table(StockLevel, 'variant')} "
        f"JOIN {loc} l ON l.id = q.{_table(StockLevel, 'location')} "
        f"WHERE v.{_table(Variant, 'style')} = s.id AND l.{_table(Location, 'is_active')} = TRUE"
    )
    online = f"AND l.{_table(Location, 'sells_online')} = TRUE"
    free = f"q.{_table(StockLevel, 'on_hand')} - q.{_table(StockLevel, 'reserved')}"
    piece_price, variant_price = f"p.{_table(Piece, 'price')}", f"v.{_table(Variant, 'fixed_price')}"
    return (
        f"SELECT s.id, (SELECT COUNT(*) {available}), (SELECT COUNT(*) {available} {online}), "  # nosec B608 # noqa: S608
        f"(SELECT MIN({piece_price}) {available}), "
        f"(SELECT MIN({piece_price}) FROM {pc} p WHERE p.{_table(Piece, 'style')} = s.id), "
        f"(SELECT SUM({free}) {stocked}), (SELECT SUM({free}) {stocked} {online}), "
        f"(SELECT MIN({variant_price}) FROM {va} v WHERE v.{_table(Variant, 'style')} = s.id) "
        f"FROM {st} s WHERE s.id IN ({{ids}})"
    )


def _money(value: Any) -> Decimal | None:
    # SQLite hands back a NUMERIC column's value as int or float; the field turns it into cents exactly.
    return None if value is None else _MONEY.to_python(value)


def _refresh_batch(ids: list[int]) -> int:
    summary = ("pricing_mode", "fixed_price", "available_count", "online_count", "price_from")
    styles = locks.lock_styles(ids, fields=summary)
    # Figures in a statement after the lock, so they see every movement committed before it.
    with connection.cursor() as cursor:
        cursor.execute(_figures_sql(connection.vendor).format(ids=", ".join(["%s"] * len(ids))), ids)
        figures = {row[0]: row[1:] for row in cursor.fetchall()}
    dirty = []
    for style in styles:
        p_n, p_online, p_price, any_price, q_n, q_online, variant_price = figures[style.pk]
        available = int(p_n or 0) + int(q_n or 0)
        on_line = int(p_online or 0) + int(q_online or 0)
        price = _money(p_price) if p_price is not None else _money(any_price)
        if price is None and style.pricing_mode == Style.PricingMode.FIXED:
            price = style.fixed_price or _money(variant_price)
        if (style.available_count, style.online_count, style.price_from) != (available, on_line, price):
            style.available_count, style.online_count, style.price_from = available, on_line, price
            dirty.append(style)
    if len(dirty) == 1:  # the usual case (one piece moved): a plain UPDATE is cheaper to build than CASE
        style = dirty[0]
        Style.objects.filter(pk=style.pk).update(
            available_count=style.available_count, online_count=style.online_count, price_from=style.price_from
        )
    elif dirty:
        Style.objects.bulk_update(dirty, ["available_count", "online_count", "price_from"])
    return len(dirty)
