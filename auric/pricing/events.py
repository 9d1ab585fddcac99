"""What pricing handles and publishes.

Handles `catalog.PieceRegistered` {"piece_id", "style_id"}: prices the new piece (idempotent — a
second delivery finds the price already right and changes nothing). A piece whose price cannot be
worked out yet (no metal price for its fineness) keeps no price; setting the metal price reprices it.

Publishes `pricing.PricesChanged` {"style_ids": [...], "reason": str} after a reprice changed piece
prices or a style's reference price (inventory refreshes listing summaries from it).
"""

from __future__ import annotations

from auric.core import events
from auric.core.models import OutboxEvent
from auric.pricing.services import price_pieces

PRICES_CHANGED = "pricing.PricesChanged"


@events.handles("catalog.PieceRegistered")
def price_registered_piece(event: OutboxEvent) -> None:
    piece_id = event.payload.get("piece_id")
    if piece_id is None:
        return
    price_pieces(piece_ids=[int(piece_id)])
