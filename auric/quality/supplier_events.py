"""What the supplier side of quality hears: a failed inbound inspection of a piece received from a
supplier opens a claim against that supplier (`quality.InspectionFailed`, gate inbound). Idempotent:
one claim per inspection."""

from __future__ import annotations

from auric.core import events
from auric.core.models import OutboxEvent
from auric.quality import suppliers
from auric.quality.models import Gate

INSPECTION_FAILED = "quality.InspectionFailed"


@events.handles(INSPECTION_FAILED)
def open_supplier_claim(event: OutboxEvent) -> None:
    inspection_id = event.payload.get("inspection_id")
    if event.payload.get("gate") != Gate.INBOUND or not isinstance(inspection_id, int):
        return
    suppliers.open_claim_for_failed_inspection(inspection_id=inspection_id)
