"""What quality does when stock arrives: a received piece held for its inbound inspection gets one,
at the receiving location, so it shows in that station's queue (inventory.PieceReceived)."""

from __future__ import annotations

from auric.catalog.models import Piece
from auric.core import events
from auric.core.errors import Conflict
from auric.core.models import OutboxEvent
from auric.inventory.models import Location, PieceStatus, PieceStock
from auric.quality.models import Gate, Inspection
from auric.quality.services import open_inspection

PIECE_RECEIVED = "inventory.PieceReceived"


@events.handles(PIECE_RECEIVED)
def open_inbound_inspection(event: OutboxEvent) -> None:
    piece_id, location_id = event.payload.get("piece_id"), event.payload.get("location_id")
    stock = PieceStock.objects.filter(piece_id=piece_id, location_id=location_id).first()
    if stock is None or stock.status != PieceStatus.INSPECTING:
        return
    if Inspection.objects.filter(piece_id=piece_id, gate=Gate.INBOUND, state__in=Inspection.OPEN_STATES).exists():
        return  # redelivery
    try:
        open_inspection(
            piece=Piece.objects.get(pk=piece_id),
            gate=Gate.INBOUND,
            station=Location.objects.get(pk=location_id),
            reference=str(event.payload.get("reference", ""))[:60],
        )
    except Conflict:
        return  # opened meanwhile, or the piece moved on
