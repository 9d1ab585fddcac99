"""The three QC gates (SPEC S4): nothing is sold before its inbound inspection passes, core values are
read twice by independent people, disagreement escalates, failures quarantine, and every result is a
statement in the piece's provenance by the station."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import Conflict, PermissionDenied, ValidationFailed
from auric.inventory import services as inventory
from auric.inventory.models import PieceStatus, PieceStock
from auric.inventory.services import PieceUnavailable
from auric.provenance import services as provenance
from auric.provenance.models import LogEntry
from auric.provenance.statements import parse_entry
from auric.quality import selectors, services
from auric.quality.models import Gate, Inspection, Reading, SamplingPlan
from tests.factories import PieceFactory, UserFactory
from tests.quality.conftest import GOOD_INSTRUMENT, GOOD_PERSON, q

pytestmark = pytest.mark.django_db


def _status(piece) -> str:
    return PieceStock.objects.get(piece=piece).status


def _inbound(piece) -> Inspection:
    return Inspection.objects.get(piece=piece, gate=Gate.INBOUND)


def _read(inspection, role, who, values, **extra):
    return services.record_reading(inspection=inspection, role=role, inspector=who, values=values, **extra)


def test_a_received_piece_waits_for_its_inbound_inspection_and_cannot_be_sold(
    ring, station, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        inventory.receive_piece(piece=ring, location=station, reference="PO-2026-118")
    assert _status(ring) == PieceStatus.INSPECTING
    with pytest.raises(PieceUnavailable):
        inventory.reserve_piece(piece=ring, reference="ORDER-1")
    # The station's queue has it, opened by the arrival itself.
    queued = list(selectors.station_queue(station.pk))
    assert [(i.piece_id, i.gate, i.reference) for i in queued] == [(ring.pk, Gate.INBOUND, "PO-2026-118")]


def test_dual_verified_readings_within_tolerance_pass_the_piece_and_make_it_sellable(
    received_ring, station, first_inspector, second_inspector, django_capture_on_commit_callbacks
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.OPEN  # one reading is not a verification
    assert _status(received_ring) == PieceStatus.INSPECTING
    with django_capture_on_commit_callbacks(execute=True):
        _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.PASSED
    assert inspection.verified["fineness_permille"] == "751.2"
    assert inspection.verified["weight_g"] == "3.515"
    assert _status(received_ring) == PieceStatus.AVAILABLE
    inventory.reserve_piece(piece=received_ring, reference="ORDER-1")


def test_the_result_is_a_signed_statement_by_the_station_without_staff_data(
    received_ring, station, first_inspector, second_inspector, django_capture_on_commit_callbacks
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    with django_capture_on_commit_callbacks(execute=True):
        _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    provenance.integrate_all()
    public_id = provenance.piece_public_id(received_ring)
    rows = [bytes(e.entry) for e in LogEntry.objects.filter(piece=public_id)]
    qc = [(parse_entry(raw), raw) for raw in rows if parse_entry(raw).type == "qc.passed"]
    assert len(qc) == 1
    statement, raw = qc[0]
    assert statement.party == "qc.wh-sz"
    data = statement.statement["data"]
    assert data["gate"] == "inbound" and data["dual_verified"] is True and data["instruments"] == ["XRF-07"]
    assert data["measured"]["carat"] == "0.31"
    for personal in ("qc-wang", "qc-li", "inspector"):
        assert personal not in raw.decode()


def test_the_same_person_cannot_take_both_readings(received_ring, station, first_inspector):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    with pytest.raises(services.NotIndependent):
        _read(inspection, Reading.Role.PERSON, first_inspector, GOOD_PERSON)
    assert inspection.readings.count() == 1
    assert Inspection.objects.get(pk=inspection.pk).state == Inspection.State.OPEN


def test_the_second_inspector_cannot_see_the_first_reading_before_entering_theirs(
    received_ring, station, first_inspector, second_inspector
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    assert selectors.visible_readings(inspection, second_inspector) == []
    assert [r.role for r in selectors.visible_readings(inspection, first_inspector)] == ["instrument"]
    _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    inspection.refresh_from_db()
    assert {r.role for r in selectors.visible_readings(inspection, second_inspector)} == {"instrument", "person"}


def test_readings_that_disagree_escalate_to_a_senior_inspector_who_decides(
    received_ring, station, first_inspector, second_inspector, senior
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    _read(inspection, Reading.Role.PERSON, second_inspector, {**GOOD_PERSON, "clarity": "SI1"})
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.ESCALATED
    assert _status(received_ring) == PieceStatus.INSPECTING
    # An ordinary inspector cannot decide it; the senior reads independently.
    with pytest.raises(PermissionDenied):
        _read(inspection, Reading.Role.SENIOR, UserFactory(username="qc-zhao"), GOOD_PERSON)
    _read(inspection, Reading.Role.SENIOR, senior, {**GOOD_PERSON, "clarity": "SI1"})
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.FAILED
    assert [r["code"] for r in inspection.reasons] == ["clarity"]
    assert _status(received_ring) == PieceStatus.FAILED_QC


def test_a_failed_piece_is_never_sold_until_a_later_inspection_passes(
    received_ring, station, first_inspector, second_inspector, senior
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    light = {**GOOD_INSTRUMENT, "weight": q("3.480", "g")}  # 0.032 g short of 3.512 g (± 0.01 g under 10 g)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, light, instrument_id="SCALE-2")
    _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.FAILED
    assert inspection.reasons[0]["code"] == "weight"
    assert _status(received_ring) == PieceStatus.FAILED_QC
    with pytest.raises(PieceUnavailable):
        inventory.reserve_piece(piece=received_ring, reference="ORDER-1")
    with pytest.raises(PieceUnavailable):  # no manual release from a failed inspection
        inventory.release_from_quarantine(piece=received_ring, reason="looks fine to me")
    with pytest.raises(PieceUnavailable):
        inventory.transfer_pieces(pieces=[received_ring], to_location=station)
    # After rework a new inbound inspection passes: sellable again.
    again = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(again, Reading.Role.INSTRUMENT, second_inspector, GOOD_INSTRUMENT, instrument_id="SCALE-2")
    _read(again, Reading.Role.PERSON, senior, GOOD_PERSON)
    assert _status(received_ring) == PieceStatus.AVAILABLE


def test_a_fineness_below_its_gb_11887_mark_fails_with_no_negative_tolerance(
    received_ring, station, first_inspector, second_inspector
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    low = {**GOOD_INSTRUMENT, "fineness": q("749.0", "‰")}
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, low, instrument_id="XRF-07")
    _read(inspection, Reading.Role.PERSON, second_inspector, {**GOOD_PERSON, "fineness": q("749.5", "‰")})
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.FAILED
    assert [r["code"] for r in inspection.reasons] == ["fineness_below_mark"]
    assert "750" in inspection.reasons[0]["detail"]


def test_a_major_defect_fails_and_a_minor_one_is_only_noted(received_ring, station, first_inspector, second_inspector):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(
        inspection,
        Reading.Role.INSTRUMENT,
        first_inspector,
        GOOD_INSTRUMENT,
        instrument_id="XRF-07",
        defects=[{"kind": "scratch", "severity": "minor"}, {"kind": "loose_stone", "severity": "major"}],
    )
    _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    inspection.refresh_from_db()
    assert [r["code"] for r in inspection.reasons] == ["defect"]


@pytest.mark.parametrize(
    "values, field",
    [
        ({**GOOD_INSTRUMENT, "weight": q("-3.5", "g")}, "weight"),
        ({**GOOD_INSTRUMENT, "weight": q("3.5", "kg")}, "weight"),  # no jewel weighs 3.5 kg: beyond 5,000 g
        ({**GOOD_INSTRUMENT, "carat": q("0.31", "g")}, "carat"),  # wrong unit
        ({**GOOD_INSTRUMENT, "fineness": q("1001", "‰")}, "fineness"),
        ({**GOOD_INSTRUMENT, "fineness": q("750", "pct")}, "fineness"),
        ({**GOOD_INSTRUMENT, "weight": "3.5"}, "weight"),  # no unit at all
        ({**GOOD_INSTRUMENT, "weight": q("3.5125", "g")}, "weight"),  # finer than the stored 0.001 g
        ({**GOOD_INSTRUMENT, "clarity": "VVS3"}, "clarity"),
        ({**GOOD_INSTRUMENT, "stone_count": -1}, "stone_count"),
        ({**GOOD_INSTRUMENT, "hardness": q("7", "mohs")}, "hardness"),
    ],
)
def test_impossible_measurements_and_wrong_units_are_refused_and_change_nothing(
    received_ring, station, first_inspector, values, field
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    with pytest.raises(ValidationFailed) as refused:
        _read(inspection, Reading.Role.INSTRUMENT, first_inspector, values, instrument_id="XRF-07")
    assert field in refused.value.errors
    assert not Reading.objects.exists()


def test_an_instrument_reading_names_its_instrument_and_brings_every_value_the_piece_declares(
    received_ring, station, first_inspector
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    with pytest.raises(ValidationFailed) as no_instrument:
        _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT)
    assert "instrument_id" in no_instrument.value.errors
    partial = {k: v for k, v in GOOD_INSTRUMENT.items() if k != "fineness"}
    with pytest.raises(ValidationFailed) as missing:
        _read(inspection, Reading.Role.INSTRUMENT, first_inspector, partial, instrument_id="XRF-07")
    assert "fineness_permille" in missing.value.errors
    assert not Reading.objects.exists()


def test_only_inspectors_of_the_station_record_readings(received_ring, station, first_inspector):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    clerk = UserFactory(username="clerk", is_staff=True)
    station.staff.add(clerk)
    with pytest.raises(PermissionDenied):
        _read(inspection, Reading.Role.INSTRUMENT, clerk, GOOD_INSTRUMENT, instrument_id="XRF-07")
    station.staff.remove(first_inspector)
    with pytest.raises(PermissionDenied):
        _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")


def test_a_decided_inspection_takes_no_more_readings_and_one_open_per_gate(
    received_ring, station, first_inspector, second_inspector, senior
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    with pytest.raises(Conflict):
        services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    _read(inspection, Reading.Role.INSTRUMENT, first_inspector, GOOD_INSTRUMENT, instrument_id="XRF-07")
    _read(inspection, Reading.Role.PERSON, second_inspector, GOOD_PERSON)
    with pytest.raises(services.InspectionClosed):
        _read(inspection, Reading.Role.SENIOR, senior, GOOD_PERSON)


def test_storage_spot_checks_draw_the_sample_and_hold_it_off_sale(station, first_inspector, second_inspector):
    pieces = []
    for _ in range(6):
        piece = PieceFactory(weight_g=Decimal("30.125"))
        inventory.receive_piece(piece=piece, location=station, awaiting_inspection=False)
        pieces.append(piece)
    plan = SamplingPlan.objects.create(location=station, sample_size=2, every_days=30)
    sample = services.draw_spot_check(plan=plan, rng=random.Random(7))
    assert sample.population == 6
    drawn = list(sample.inspections.values_list("piece_id", flat=True))
    assert len(drawn) == 2
    assert {_status(p) for p in pieces if p.pk in drawn} == {PieceStatus.INSPECTING}
    assert {_status(p) for p in pieces if p.pk not in drawn} == {PieceStatus.AVAILABLE}
    plan.refresh_from_db()
    assert (plan.next_due - timezone.localdate()).days == 30
    # Plain 990 gold without stones: the fineness is still read twice.
    inspection = sample.inspections.first()
    _read(
        inspection,
        Reading.Role.INSTRUMENT,
        first_inspector,
        {"weight": q("30.130", "g"), "fineness": q("999.1", "‰")},
        instrument_id="XRF-07",
    )
    _read(inspection, Reading.Role.PERSON, second_inspector, {"fineness": q("999.0", "‰")})
    assert _status(inspection.piece) == PieceStatus.AVAILABLE
    assert services.draw_due_spot_checks() == []  # not due again for 30 days


def test_an_order_leaves_only_after_the_outbound_recheck_of_each_piece(
    station, first_inspector, second_inspector, django_capture_on_commit_callbacks
):
    from tests.quality.orders import paid_order_for

    order, piece = paid_order_for(station)
    from auric.orders.services import OutboundRecheckMissing, move_order
    from auric.orders.states import State

    move_order(order=order, to=State.PROCESSING)
    with pytest.raises(OutboundRecheckMissing):
        move_order(order=order, to=State.SHIPPED)
    inspection = services.open_inspection(piece=piece, gate=Gate.OUTBOUND, station=station, reference=order.number)
    _read(
        inspection,
        Reading.Role.INSTRUMENT,
        first_inspector,
        {"weight": q("30.125", "g"), "fineness": q("999.3", "‰")},
        instrument_id="XRF-07",
    )
    _read(inspection, Reading.Role.PERSON, second_inspector, {"fineness": q("999.2", "‰")})
    move_order(order=order, to=State.SHIPPED)
    order.refresh_from_db()
    assert order.state == State.SHIPPED


def test_a_customers_piece_is_tested_for_buyback_at_any_store_without_moving_stock(
    station, first_inspector, second_inspector
):
    from tests.factories import LocationFactory
    from tests.quality.orders import paid_order_for

    _, piece = paid_order_for(station)
    assert _status(piece) == PieceStatus.SOLD
    with pytest.raises(Conflict):
        services.open_inspection(piece=piece, gate=Gate.INBOUND, station=station)
    counter = LocationFactory(code="st-gz", name="广州天河店", kind="store")
    counter.staff.add(first_inspector, second_inspector)
    inspection = services.open_inspection(piece=piece, gate=Gate.BUYBACK, station=counter)
    _read(
        inspection,
        Reading.Role.INSTRUMENT,
        first_inspector,
        {"weight": q("30.120", "g"), "fineness": q("999.4", "‰")},
        instrument_id="XRF-GZ-1",
    )
    _read(inspection, Reading.Role.PERSON, second_inspector, {"fineness": q("999.3", "‰")})
    inspection.refresh_from_db()
    assert inspection.state == Inspection.State.PASSED
    assert inspection.verified["weight_g"] == "30.120"
    assert _status(piece) == PieceStatus.SOLD  # still the customer's until the buyback is agreed
