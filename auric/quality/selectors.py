"""Quality reads: what an inspector may see of an inspection, station queues, outbound clearance."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import QuerySet

from auric.quality.models import Gate, Inspection, Reading


def visible_readings(inspection: Inspection, user: Any) -> list[Reading]:
    """Blind entry: while an inspection is open an inspector sees only their own reading, so the
    second reading cannot be copied from the first. Once decided, everyone who may see it sees all."""
    readings = list(inspection.readings.all())
    if not inspection.is_open:
        return readings
    return [reading for reading in readings if reading.inspector_id == getattr(user, "pk", None)]


def station_queue(station_id: int) -> QuerySet[Inspection]:
    """Open inspections at a station, escalated ones first, then oldest first."""
    return (
        Inspection.objects.filter(station_id=station_id, state__in=Inspection.OPEN_STATES)
        .select_related("piece", "piece__style")
        .order_by("-state", "opened_at", "pk")  # "open" < "escalated": descending puts escalated first
    )


def pieces_without_outbound_pass(piece_ids: Iterable[int], *, since: datetime | None) -> list[int]:
    """The pieces that have no passed outbound re-check (after `since`, e.g. the payment)."""
    wanted = set(piece_ids)
    passed = Inspection.objects.filter(piece_id__in=wanted, gate=Gate.OUTBOUND, state=Inspection.State.PASSED)
    if since is not None:
        passed = passed.filter(decided_at__gte=since)
    return sorted(wanted - set(passed.values_list("piece_id", flat=True)))
