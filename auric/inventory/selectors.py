"""Inventory reads for pages, the API and the dashboard, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum

from auric.catalog.models import Piece, Style
from auric.inventory.models import Location, PieceStatus, PieceStock, StockLevel, StockMovement

SELLABLE_KINDS = (Location.Kind.WAREHOUSE, Location.Kind.STORE)


@dataclass(frozen=True)
class LocationAvailability:
    location: Location
    available_pieces: int
    available_quantity: int

    @property
    def total(self) -> int:
        return self.available_pieces + self.available_quantity


@dataclass(frozen=True)
class LocationStockValue:
    location: Location
    pieces: int
    cost: Decimal


def _location_rank(location: Location) -> tuple[int, str, str]:
    """Online warehouses first (what ships today), then stores by city, then other warehouses."""
    if location.kind == Location.Kind.WAREHOUSE and location.sells_online:
        rank = 0
    elif location.kind == Location.Kind.STORE:
        rank = 1
    else:
        rank = 2
    return (rank, location.city_en or location.city, location.code)


def availability_by_location(*, style: Style) -> list[LocationAvailability]:
    """Available pieces and units of a style at every active store and warehouse, zeros included.

    Three queries whatever the number of locations and pieces.
    """
    locations = list(Location.objects.filter(is_active=True, kind__in=SELLABLE_KINDS))
    pieces = dict(
        PieceStock.objects.filter(piece__style=style, status=PieceStatus.AVAILABLE)
        .values("location_id")
        .annotate(n=Count("pk"))
        .values_list("location_id", "n")
    )
    units = dict(
        StockLevel.objects.filter(variant__style=style)
        .values("location_id")
        .annotate(n=Sum(F("on_hand") - F("reserved")))
        .values_list("location_id", "n")
    )
    rows = [
        LocationAvailability(
            location=location,
            available_pieces=int(pieces.get(location.pk) or 0),
            available_quantity=int(units.get(location.pk) or 0),
        )
        for location in locations
    ]
    return sorted(rows, key=lambda row: _location_rank(row.location))


def stock_value_by_location() -> list[LocationStockValue]:
    """Cost of the pieces on hand (available or reserved) per active location, for the dashboard.

    Two queries; the largest value first.
    """
    on_hand = Q(piece_stock__status__in=[PieceStatus.AVAILABLE, PieceStatus.RESERVED])
    totals: dict[int, tuple[int, Decimal | None]] = {
        pk: (pieces, cost)
        for pk, pieces, cost in Location.objects.filter(is_active=True)
        .values("pk")
        .annotate(pieces=Count("piece_stock", filter=on_hand), cost=Sum("piece_stock__piece__cost", filter=on_hand))
        .values_list("pk", "pieces", "cost")
    }
    rows = []
    for location in Location.objects.filter(is_active=True):
        pieces, cost = totals.get(location.pk, (0, None))
        rows.append(LocationStockValue(location=location, pieces=int(pieces), cost=cost or Decimal("0.00")))
    return sorted(rows, key=lambda row: (-row.cost, row.location.code))


def journal_for_piece(*, piece: Piece) -> QuerySet[StockMovement]:
    """The stock journal of one piece, oldest first, with what a history page shows."""
    return (
        StockMovement.objects.filter(piece=piece)
        .select_related("location", "counterpart", "actor", "reservation", "transfer")
        .order_by("pk")
    )
