"""Quality use cases: open an inspection, record independent readings, decide, draw spot checks.

Each function is one transaction. A verdict moves the piece through inventory's quality states
(held → available, or → failed and quarantined until a later pass) and publishes
`quality.InspectionPassed` / `quality.InspectionFailed`, which the provenance log turns into a
`qc.passed` / `qc.failed` statement signed by the station.
"""

from __future__ import annotations

import random
import secrets
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.accounts import roles
from auric.catalog import media
from auric.catalog.models import Piece
from auric.core import events
from auric.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from auric.core.transactions import service_transaction
from auric.inventory import services as inventory
from auric.inventory.models import Location, PieceStatus, PieceStock
from auric.quality import measures, rules
from auric.quality.models import (
    CUSTOMER_GATES,
    Gate,
    Inspection,
    InspectionPhoto,
    Reading,
    SamplingPlan,
    SpotCheckSample,
    Tolerance,
)

INSPECTION_PASSED = "quality.InspectionPassed"
INSPECTION_FAILED = "quality.InspectionFailed"
INSPECTION_ESCALATED = "quality.InspectionEscalated"
Role = Reading.Role
State = Inspection.State

# The stock states a piece may be in when an inspection at each gate opens.
OPENS_FROM = {
    Gate.INBOUND: frozenset({PieceStatus.INSPECTING, PieceStatus.FAILED_QC, PieceStatus.AVAILABLE}),
    Gate.STORAGE: frozenset({PieceStatus.AVAILABLE, PieceStatus.INSPECTING, PieceStatus.FAILED_QC}),
    Gate.OUTBOUND: frozenset({PieceStatus.RESERVED, PieceStatus.SOLD}),
    Gate.BUYBACK: frozenset({PieceStatus.SOLD}),
    Gate.CLAIM: frozenset({PieceStatus.SOLD}),
}


class InspectionClosed(Conflict):
    code = "inspection_closed"
    title = gettext_noop("The inspection is already decided")


class NotIndependent(Conflict):
    code = "not_independent"
    title = gettext_noop("A second reading must come from another person")


def tolerances() -> rules.Tolerances:
    return rules.Tolerances(list(Tolerance.objects.values_list("attribute", "against", "up_to_weight_g", "plus_minus")))


def _may_inspect(actor: Any, station: Location, *, senior: bool = False) -> None:
    permission = "quality.senior_inspect" if senior else "quality.inspect"
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise PermissionDenied("Only senior inspectors may do this." if senior else "Only inspectors may do this.")
    # Inspectors work at the stations they are assigned to; head-office QC (operators) anywhere.
    if roles.is_store_scoped(actor) and station.pk not in roles.store_location_ids(actor):
        raise PermissionDenied(f"You are not an inspector at {station.name}.")


def open_inspection(
    *,
    piece: Piece,
    gate: str,
    station: Location,
    actor: Any = None,
    reference: str = "",
    sample: SpotCheckSample | None = None,
) -> Inspection:
    """An inspection of a piece at a gate, at the station where the piece is."""
    if gate not in Gate.values:
        raise ValidationFailed(f"Unknown gate {gate!r}", errors={"gate": [f"one of {', '.join(Gate.values)}"]})
    if actor is not None:
        _may_inspect(actor, station)
    with service_transaction():
        stock = PieceStock.objects.select_for_update().filter(piece_id=piece.pk).first()
        if stock is None:
            raise Conflict(f"Piece {piece.serial_number} is not in stock.")
        # A customer brings a piece they own to any store; stock is inspected where it is.
        if gate not in CUSTOMER_GATES and stock.location_id != station.pk:
            raise Conflict(f"Piece {piece.serial_number} is not at {station.name}; inspect it where it is.")
        if stock.status not in OPENS_FROM[Gate(gate)]:
            raise Conflict(
                f"A {Gate(gate).label} cannot start while the piece is {PieceStatus(stock.status).label}.",
                stock_status=stock.status,
            )
        try:
            with transaction.atomic():
                inspection = Inspection.objects.create(
                    piece=piece,
                    gate=gate,
                    station=station,
                    reference=reference[:60],
                    sample=sample,
                    opened_by=actor if getattr(actor, "is_authenticated", False) else None,
                )
        except IntegrityError as error:
            raise Conflict(f"Piece {piece.serial_number} already has an open {Gate(gate).label}.") from error
        if gate == Gate.STORAGE and stock.status == PieceStatus.AVAILABLE:
            # Off sale while it is checked: nobody buys a piece that may fail.
            inventory.hold_for_inspection(piece=piece, reference=f"QC {inspection.pk}", actor=actor)
        return inspection


def _required(names: Sequence[str], measured: measures.Measured, what: str) -> None:
    missing = [name for name in names if name not in measured.values]
    if missing:
        raise ValidationFailed(
            f"This piece needs {', '.join(missing)} in the {what}.",
            errors={name: ["required for this piece"] for name in missing},
        )


def record_reading(
    *,
    inspection: Inspection,
    role: str,
    inspector: Any,
    values: Mapping[str, Any],
    defects: Any = (),
    instrument_id: str = "",
) -> Inspection:
    """Record one independent reading; decide the inspection when the readings it needs are in."""
    if role not in Role.values:
        raise ValidationFailed(f"Unknown role {role!r}", errors={"role": [f"one of {', '.join(Role.values)}"]})
    try:
        measured = measures.parse(values, defects)
    except measures.MeasurementError as error:
        raise ValidationFailed("Some values are not possible measurements.", errors=error.errors) from error
    instrument_id = instrument_id.strip()
    if role == Role.INSTRUMENT and not instrument_id:
        raise ValidationFailed("Say which instrument took the reading.", errors={"instrument_id": ["required"]})
    if len(instrument_id) > 60 or "\x00" in instrument_id:
        raise ValidationFailed("Instrument ids are at most 60 characters.", errors={"instrument_id": ["too long"]})
    _may_inspect(inspector, inspection.station, senior=role == Role.SENIOR)
    piece = Piece.objects.select_related("variant").get(pk=inspection.piece_id)
    declared = rules.declared(piece)
    with service_transaction():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if not inspection.is_open:
            raise InspectionClosed(f"Inspection {inspection.pk} was decided: {inspection.get_state_display()}.")
        readings = {reading.role: reading for reading in inspection.readings.all()}
        if role in readings:
            raise Conflict(f"The {Role(role).label} reading of inspection {inspection.pk} is already recorded.")
        others = {reading.inspector_id for reading in readings.values()}
        if inspector.pk in others:
            raise NotIndependent(
                "You entered a reading of this inspection already; another inspector must enter this one."
            )
        if role == Role.SENIOR and inspection.state != State.ESCALATED:
            raise Conflict("A senior reading decides only an escalated inspection.")
        if role == Role.INSTRUMENT:
            _required(declared.required(), measured, "instrument reading")
        else:
            _required(declared.core(), measured, f"{Role(role).label} reading")
        readings[role] = Reading.objects.create(
            inspection=inspection,
            role=role,
            inspector=inspector,
            instrument_id=instrument_id,
            defects=measured.defects,
            **measured.values,
        )
        _advance(inspection, readings, declared)
        return inspection


def _values(reading: Reading) -> dict[str, Any]:
    names = (
        "weight_g",
        "fineness_permille",
        "carat",
        "colour",
        "clarity",
        "stone_count",
        "length_mm",
        "width_mm",
        "height_mm",
    )
    return {name: getattr(reading, name) for name in names if getattr(reading, name) not in (None, "")}


def _advance(inspection: Inspection, readings: dict[str, Reading], declared: rules.Declared) -> None:
    instrument = readings.get(Role.INSTRUMENT)
    person = readings.get(Role.PERSON)
    core = declared.core()
    if instrument is None or (core and person is None):
        return  # still waiting for an independent reading
    limits = tolerances()
    verified = _values(instrument)
    senior = readings.get(Role.SENIOR)
    if senior is not None:
        verified.update({name: value for name, value in _values(senior).items() if name in core})
    elif person is not None:
        differing = rules.disagreements(verified, _values(person), core, limits, declared.weight_g)
        if differing:
            inspection.state = State.ESCALATED
            inspection.save(update_fields=["state"])
            events.publish(
                INSPECTION_ESCALATED,
                {"inspection_id": inspection.pk, "piece_id": inspection.piece_id, "differing": differing},
                aggregate=f"quality.inspection:{inspection.pk}",
            )
            return
    defects = [defect for reading in readings.values() for defect in reading.defects]
    reasons = rules.verdict(declared, verified, defects, limits)
    _decide(inspection, verified=verified, reasons=reasons, dual=bool(core), escalated=senior is not None)


def _decide(
    inspection: Inspection, *, verified: dict[str, Any], reasons: list[dict[str, str]], dual: bool, escalated: bool
) -> None:
    passed = not reasons
    inspection.state = State.PASSED if passed else State.FAILED
    inspection.decided_at = timezone.now()
    inspection.verified = {
        name: str(value) if not isinstance(value, int) else value for name, value in verified.items()
    }
    inspection.reasons = reasons
    inspection.save(update_fields=["state", "decided_at", "verified", "reasons"])
    piece = inspection.piece
    stock = PieceStock.objects.get(piece_id=piece.pk)
    reference = f"QC {inspection.pk}"
    if inspection.gate in (Gate.INBOUND, Gate.STORAGE):
        if passed and stock.status in (PieceStatus.INSPECTING, PieceStatus.FAILED_QC):
            inventory.pass_inspection(piece=piece, reference=reference)
        elif not passed and stock.status in (PieceStatus.INSPECTING, PieceStatus.AVAILABLE):
            inventory.fail_inspection(piece=piece, reference=reference)
    events.publish(
        INSPECTION_PASSED if passed else INSPECTION_FAILED,
        {
            "inspection_id": inspection.pk,
            "piece_id": piece.pk,
            "gate": inspection.gate,
            "station_id": inspection.station_id,
            "dual_verified": dual,
            "escalated": escalated,
        },
        aggregate=f"quality.inspection:{inspection.pk}",
    )


MAX_PHOTOS = 12


def add_photo(*, inspection: Inspection, upload: Any, actor: Any) -> InspectionPhoto:
    """A photo of the piece as inspected (kept without its metadata), while the inspection is open."""
    _may_inspect(actor, inspection.station)
    content = media.clean_photo(upload)
    with service_transaction():
        inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
        if not inspection.is_open:
            raise InspectionClosed(f"Inspection {inspection.pk} was decided: {inspection.get_state_display()}.")
        if inspection.photos.count() >= MAX_PHOTOS:
            raise ValidationFailed("Too many photos.", errors={"photo": [f"at most {MAX_PHOTOS} an inspection"]})
        photo = InspectionPhoto(inspection=inspection, uploaded_by=actor)
        photo.file.save(f"{inspection.pk}-{secrets.token_hex(8)}.jpg", ContentFile(content), save=False)
        photo.save()
        return photo


def inspection_for(*, inspection_id: int) -> Inspection:
    inspection = Inspection.objects.select_related("piece", "station").filter(pk=inspection_id).first()
    if inspection is None:
        raise NotFound("No such inspection")
    return inspection


# --- storage spot checks ----------------------------------------------------------------------


def draw_spot_check(
    *, plan: SamplingPlan, today: date | None = None, rng: random.Random | None = None
) -> SpotCheckSample:
    """The system (not an inspector) draws the sample: a uniform choice among the plan's available
    pieces, each held off sale with an open storage inspection."""
    today = today or timezone.localdate()
    chooser = rng or random.Random(secrets.randbits(64))
    with service_transaction():
        plan = SamplingPlan.objects.select_for_update().get(pk=plan.pk)
        population = PieceStock.objects.filter(location_id=plan.location_id, status=PieceStatus.AVAILABLE)
        if plan.category_id:
            population = population.filter(piece__style__category_id=plan.category_id)
        candidates = list(population.order_by("piece_id").values_list("piece_id", flat=True))
        chosen = sorted(chooser.sample(candidates, min(plan.sample_size, len(candidates))))
        sample = SpotCheckSample.objects.create(plan=plan, population=len(candidates))
        for piece in Piece.objects.filter(pk__in=chosen).order_by("pk"):
            open_inspection(
                piece=piece, gate=Gate.STORAGE, station=plan.location, reference=f"sample {sample.pk}", sample=sample
            )
        plan.next_due = today + timedelta(days=plan.every_days)
        plan.save(update_fields=["next_due"])
        return sample


def draw_due_spot_checks(*, today: date | None = None) -> list[SpotCheckSample]:
    today = today or timezone.localdate()
    due = SamplingPlan.objects.filter(is_active=True, next_due__lte=today, location__is_active=True).order_by("pk")
    return [draw_spot_check(plan=plan, today=today) for plan in due]
