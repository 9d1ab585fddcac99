"""Quality reads: what an inspector may see of an inspection, station queues, outbound clearance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

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


@dataclass(frozen=True)
class PassRate:
    label: str
    decided: int
    passed: int
    escalated: int

    @property
    def rate(self) -> float | None:
        """For display and charts only (a share, not money)."""
        return self.passed / self.decided if self.decided else None


def pass_rates_by_inspector(*, since: datetime, station_ids: set[int] | None = None) -> list[PassRate]:
    """Decided inspections each inspector took a reading in, how many passed, how many escalated."""
    readings = Reading.objects.filter(inspection__decided_at__gte=since)
    if station_ids is not None:
        readings = readings.filter(inspection__station_id__in=station_ids)
    rows = (
        readings.values("inspector__username")
        .annotate(
            decided=Count("inspection", distinct=True),
            passed=Count("inspection", distinct=True, filter=Q(inspection__state=Inspection.State.PASSED)),
            escalated=Count("inspection", distinct=True, filter=Q(inspection__readings__role=Reading.Role.SENIOR)),
        )
        .order_by("inspector__username")
    )
    return [PassRate(r["inspector__username"], r["decided"], r["passed"], r["escalated"]) for r in rows]


def pass_rates_by_station_and_gate(*, since: datetime, station_ids: set[int] | None = None) -> list[PassRate]:
    decided = Inspection.objects.filter(decided_at__gte=since)
    if station_ids is not None:
        decided = decided.filter(station_id__in=station_ids)
    rows = (
        decided.values("station__name", "gate")
        .annotate(
            decided=Count("pk", distinct=True),
            passed=Count("pk", distinct=True, filter=Q(state=Inspection.State.PASSED)),
            escalated=Count("pk", distinct=True, filter=Q(readings__role=Reading.Role.SENIOR)),
        )
        .order_by("station__name", "gate")
    )
    return [
        PassRate(f"{r['station__name']} · {Gate(r['gate']).label}", r["decided"], r["passed"], r["escalated"])
        for r in rows
    ]
