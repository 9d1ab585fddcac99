"""Row locks for inventory, all taken here and always in the same order, so that concurrent stock
operations wait for each other instead of deadlocking.

THE LOCK ORDER RULE. A transaction that changes stock locks rows in this order of tables, and
inside one table always in ascending primary-key order:

    1. PieceStock   (by piece_id)
    2. StockLevel   (by id)
    3. Reservation  (by id; taken implicitly by the conditional UPDATE that closes it)
    4. Transfer     (by id; likewise)
    5. Style        (by id; `refresh_style_availability` at the end of every movement)

Two transactions that lock overlapping sets of rows in the same global order can only wait for
each other, never hold what the other needs (the Saleor `lock_objects.py` discipline). Services
that move several pieces (transfers) therefore lock the whole set first with `lock_piece_stock`.

On PostgreSQL these are `SELECT … FOR UPDATE` row locks. On SQLite `select_for_update()` is a
no-op: there every write transaction takes the database write lock at BEGIN
(`transaction_mode = "IMMEDIATE"` in settings), which serialises writers outright. On both, the
conditional UPDATEs in `inventory.services` (`… WHERE status = 'available'`, then check the row
count) are what make overselling impossible; the locks make the checks before them give exact
error messages and keep multi-row operations deadlock-free.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from auric.catalog.models import Style
from auric.inventory.models import PieceStock, StockLevel


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Row locks only mean something inside a transaction")


def lock_piece_stock(piece_ids: Iterable[int]) -> dict[int, PieceStock]:
    """Lock the stock rows of these pieces in piece-id order; returns them by piece id."""
    _require_transaction()
    ids = sorted({int(i) for i in piece_ids})
    if not ids:
        return {}
    rows = PieceStock.objects.select_for_update().filter(piece_id__in=ids).order_by("piece_id")
    return {row.piece_id: row for row in rows}


def lock_stock_levels(*, variant_id: int, location_ids: Iterable[int] | None = None) -> list[StockLevel]:
    """Lock a variant's quantity stock rows (at the given locations, or everywhere) in id order."""
    _require_transaction()
    rows = StockLevel.objects.select_for_update().filter(variant_id=variant_id)
    if location_ids is not None:
        rows = rows.filter(location_id__in=sorted(set(location_ids)))
    return list(rows.order_by("pk"))


def lock_styles(style_ids: Iterable[int], *, fields: tuple[str, ...] = ()) -> list[Style]:
    """Lock style rows in id order, last of all (see the rule above)."""
    _require_transaction()
    ids = sorted({int(i) for i in style_ids})
    if not ids:
        return []
    rows = Style.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    if fields:
        rows = rows.only("pk", *fields)
    return list(rows)
