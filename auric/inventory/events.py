"""Inventory events: what this app publishes, and what it handles.

Published (through the outbox, in the transaction of the movement):
  inventory.PieceReceived    {"piece_id", "style_id", "location_id", "reference"}
  inventory.PieceReserved    {"piece_id", "style_id", "location_id", "reservation_id", "reference", "expires_at"}
  inventory.PieceReleased    {"piece_id", "style_id", "location_id", "reservation_id", "reference", "reason"}
                             reason: "released" | "expired"
  inventory.PieceSold        {"piece_id", "style_id", "location_id", "reservation_id", "reference"}
  inventory.PieceReturned    {"piece_id", "style_id", "location_id", "reference"}
  inventory.PieceQuarantined {"piece_id", "style_id", "location_id", "reason"}
  inventory.TransferShipped  {"transfer_id", "from_location_id", "to_location_id", "piece_ids"}
  inventory.TransferReceived {"transfer_id", "from_location_id", "to_location_id", "piece_ids"}

Handled:
  pricing.PricesChanged {"style_ids": [...]} → refresh the styles' availability summary (price_from).
  Inventory does not import pricing; it subscribes by event name.
"""

from __future__ import annotations

from auric.core import events
from auric.core.models import OutboxEvent

PIECE_RECEIVED = "inventory.PieceReceived"
PIECE_RESERVED = "inventory.PieceReserved"
PIECE_RELEASED = "inventory.PieceReleased"
PIECE_SOLD = "inventory.PieceSold"
PIECE_RETURNED = "inventory.PieceReturned"
PIECE_QUARANTINED = "inventory.PieceQuarantined"
TRANSFER_SHIPPED = "inventory.TransferShipped"
TRANSFER_RECEIVED = "inventory.TransferReceived"

PRICES_CHANGED = "pricing.PricesChanged"


@events.handles(PRICES_CHANGED)
def refresh_availability_on_price_change(event: OutboxEvent) -> None:
    """Prices moved: recompute price_from (and the counts, which cost nothing extra). Idempotent."""
    # Imported here: services imports this module for the event names.
    from auric.inventory.services import refresh_style_availability

    style_ids = [int(i) for i in event.payload.get("style_ids") or []]
    refresh_style_availability(style_ids=style_ids)
