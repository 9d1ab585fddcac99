"""What the warranty app hears, through the outbox (it publishes nothing of its own).

  orders.OrderPaid                  → a card for each piece of the order, bound to its buyer
  orders.OrderRefunded ("to": "refunded", a full refund)
                                    → the order's cards are cancelled (a partial refund changes nothing)
  inventory.PieceReturned           → the returned piece's card is cancelled
  provenance.OwnershipTransferred ("reason": "resale")
                                    → the piece's active cards now belong to the new owner

Handlers are idempotent: cards are unique per (order line, piece), a cancelled card is not cancelled
again, re-binding to the same owner changes nothing, and every log statement has a fixed source.
"""

from __future__ import annotations

from auric.core import events
from auric.core.models import OutboxEvent
from auric.warranty import services

ORDER_PAID = "orders.OrderPaid"
ORDER_REFUNDED = "orders.OrderRefunded"
PIECE_RETURNED = "inventory.PieceReturned"
OWNERSHIP_TRANSFERRED = "provenance.OwnershipTransferred"


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@events.handles(ORDER_PAID)
def issue_cards_of_paid_order(event: OutboxEvent) -> None:
    if (order_id := _int(event.payload.get("order_id"))) is not None:
        services.issue_cards_for_order(order_id=order_id)


@events.handles(ORDER_REFUNDED)
def cancel_cards_of_refunded_order(event: OutboxEvent) -> None:
    if event.payload.get("to") != "refunded" or event.payload.get("partial"):
        return
    if (order_id := _int(event.payload.get("order_id"))) is not None:
        services.cancel_cards_for_order(order_id=order_id, reason="refunded")


@events.handles(PIECE_RETURNED)
def cancel_cards_of_returned_piece(event: OutboxEvent) -> None:
    if (piece_id := _int(event.payload.get("piece_id"))) is not None:
        services.cancel_cards_of_returned_piece(piece_id=piece_id)


@events.handles(OWNERSHIP_TRANSFERRED)
def move_cards_to_new_owner(event: OutboxEvent) -> None:
    if event.payload.get("reason") != "resale":
        return
    piece_id, owner_id = _int(event.payload.get("piece_id")), _int(event.payload.get("owner_id"))
    if piece_id is not None and owner_id is not None:
        services.transfer_cards(piece_id=piece_id, owner_id=owner_id)
