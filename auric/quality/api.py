"""Quality API for stations and their instruments: start an inspection, send a reading, read an
inspection (blind while it is open), a station's queue. Thin: rules live in `quality.services`.

Readings carry each value with its unit (`{"value": "3.512", "unit": "g"}`), written as a decimal
string: a float would not keep a scale's last digit.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from auric.accounts import roles
from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, errors
from auric.catalog.models import Piece
from auric.core.errors import NotFound, PermissionDenied
from auric.inventory.models import Location
from auric.quality import selectors, services
from auric.quality.models import Gate, Inspection, Reading

router = Router(tags=["quality"])
TEXT = r"^[^\x00]*$"


def _user(request: HttpRequest) -> Any:
    return getattr(request, "auth", None)


def _visible(user: Any, station_id: int) -> None:
    """Inspections are staff data: the quality permission, and for store-scoped users their station."""
    if not (user.has_perm("quality.view_inspection") or user.has_perm("quality.inspect")):
        raise PermissionDenied("Only quality staff may see inspections.")
    if roles.is_store_scoped(user) and station_id not in roles.store_location_ids(user):
        raise PermissionDenied("This inspection belongs to another station.")


class ReadingOut(Schema):
    role: str
    instrument_id: str
    values: dict[str, Any]
    defects: list[dict[str, str]]
    taken_at: str
    mine: bool


class InspectionOut(Schema):
    id: int
    piece: str = Field(..., description="Serial number")
    tag: str
    gate: str
    station: str
    state: str
    reference: str
    opened_at: str
    decided_at: str | None
    awaiting: list[str] = Field(..., description="Readings still needed")
    readings: list[ReadingOut] = Field(..., description="Only your own while the inspection is open")
    hidden_readings: int
    verified: dict[str, Any]
    reasons: list[dict[str, str]]


def _values(reading: Reading) -> dict[str, Any]:
    units = {"weight_g": "g", "fineness_permille": "‰", "carat": "ct", "length_mm": "mm", "width_mm": "mm"}
    units["height_mm"] = "mm"
    values: dict[str, Any] = {}
    for name, unit in units.items():
        value = getattr(reading, name)
        if value is not None:
            values[name] = {"value": format(value, "f"), "unit": unit}
    for name in ("colour", "clarity"):
        if getattr(reading, name):
            values[name] = getattr(reading, name)
    if reading.stone_count is not None:
        values["stone_count"] = reading.stone_count
    return values


def inspection_out(inspection: Inspection, user: Any) -> InspectionOut:
    visible = selectors.visible_readings(inspection, user)
    taken = {reading.role for reading in inspection.readings.all()}
    awaiting: list[str] = []
    if inspection.state == Inspection.State.ESCALATED:
        awaiting = [Reading.Role.SENIOR]
    elif inspection.is_open:
        awaiting = [role for role in (Reading.Role.INSTRUMENT, Reading.Role.PERSON) if role not in taken]
    return InspectionOut(
        id=inspection.pk,
        piece=inspection.piece.serial_number,
        tag=inspection.piece.tag_code,
        gate=inspection.gate,
        station=inspection.station.code,
        state=inspection.state,
        reference=inspection.reference,
        opened_at=inspection.opened_at.isoformat(),
        decided_at=inspection.decided_at.isoformat() if inspection.decided_at else None,
        awaiting=[str(role) for role in awaiting],
        readings=[
            ReadingOut(
                role=r.role,
                instrument_id=r.instrument_id,
                values=_values(r),
                defects=r.defects,
                taken_at=r.taken_at.isoformat(),
                mine=r.inspector_id == user.pk,
            )
            for r in visible
        ],
        hidden_readings=len(taken) - len(visible),
        verified=inspection.verified,
        reasons=inspection.reasons,
    )


class InspectionIn(Schema):
    piece: str = Field(..., min_length=1, max_length=64, pattern=TEXT, description="Tag code or serial number")
    gate: Gate
    station: str = Field(..., min_length=1, max_length=30, pattern=TEXT, description="Location code")
    reference: str = Field("", max_length=60, pattern=TEXT)


class ReadingIn(Schema):
    role: Reading.Role
    instrument_id: str = Field("", max_length=60, pattern=TEXT)
    values: dict[str, Any] = Field(
        ..., description='e.g. {"weight": {"value": "3.512", "unit": "g"}, "clarity": "VS1"}'
    )
    defects: list[dict[str, Any]] = Field(default_factory=list, max_length=30)


InspectionId = Path(..., ge=1, le=2**62)
StationCode = Path(..., min_length=1, max_length=30, pattern=r"^[-a-zA-Z0-9_]+$")


@router.post(
    "/quality/inspections",
    response={201: InspectionOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Start an inspection of a piece at a gate (stations)",
)
def start_inspection(request: HttpRequest, body: InspectionIn) -> Any:
    user = _user(request)
    piece = Piece.objects.filter(Q(tag_code=body.piece) | Q(serial_number=body.piece)).first()
    station = Location.objects.filter(code=body.station).first()
    if piece is None or station is None:
        raise NotFound("No such piece or station")
    inspection = services.open_inspection(
        piece=piece, gate=body.gate, station=station, actor=user, reference=body.reference
    )
    return Status(201, inspection_out(inspection, user))


@router.get(
    "/quality/inspections/{inspection_id}",
    response={200: InspectionOut, **READ_ERRORS, **errors(401, 403, 404)},
    auth=API_AUTH,
    summary="An inspection (blind: others' readings are hidden until you enter yours)",
)
def get_inspection(request: HttpRequest, inspection_id: int = InspectionId) -> Any:
    user = _user(request)
    inspection = services.inspection_for(inspection_id=inspection_id)
    _visible(user, inspection.station_id)
    return inspection_out(inspection, user)


@router.post(
    "/quality/inspections/{inspection_id}/readings",
    response={201: InspectionOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Send one independent reading; the inspection is decided when the readings it needs are in",
)
def send_reading(request: HttpRequest, body: ReadingIn, inspection_id: int = InspectionId) -> Any:
    user = _user(request)
    inspection = services.inspection_for(inspection_id=inspection_id)
    _visible(user, inspection.station_id)
    decided = services.record_reading(
        inspection=inspection,
        role=body.role,
        inspector=user,
        values=body.values,
        defects=body.defects,
        instrument_id=body.instrument_id,
    )
    return Status(201, inspection_out(services.inspection_for(inspection_id=decided.pk), user))


@router.get(
    "/quality/stations/{code}/queue",
    response={200: list[InspectionOut], **READ_ERRORS, **errors(401, 403, 404)},
    auth=API_AUTH,
    summary="Open inspections at a station, escalated first",
)
def station_queue(request: HttpRequest, code: str = StationCode) -> Any:
    user = _user(request)
    station = Location.objects.filter(code=code).first()
    if station is None:
        raise NotFound("No such station")
    _visible(user, station.pk)
    return [inspection_out(i, user) for i in selectors.station_queue(station.pk)[:200]]
