"""Suppliers (SPEC S4): pieces are received only from approved suppliers whose required
certifications are valid on the receiving day; a failed inbound inspection opens a claim."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone

from auric.catalog.models import GemOrigin
from auric.core.errors import PermissionDenied, ValidationFailed
from auric.core.models import OutboxEvent
from auric.inventory.models import PieceStatus, PieceStock
from auric.quality import services, suppliers
from auric.quality.models import (
    Certification,
    Gate,
    Inspection,
    Reading,
    RequiredCertification,
    Scheme,
    Supplier,
    SupplierClaim,
    SupplierKind,
    SupplyReceipt,
)
from auric.quality.supplier_events import open_supplier_claim
from tests.factories import PieceFactory, StoneFactory, UserFactory, VariantFactory
from tests.quality.conftest import GOOD_INSTRUMENT, GOOD_PERSON, q
from tests.quality.supply import supplier

pytestmark = pytest.mark.django_db


def _receive(sup, piece, station, **extra):
    return suppliers.receive_from_supplier(
        supplier=sup, piece=piece, location=station, actor=None, reference="PO-2026-118", **extra
    )


def _nothing_received(piece) -> bool:
    return (
        not PieceStock.objects.filter(piece=piece).exists() and not SupplyReceipt.objects.filter(piece=piece).exists()
    )


def test_the_default_rules_require_a_licence_of_everyone_and_kimberley_for_natural_diamonds(ring):
    sup = supplier()
    assert suppliers.required_schemes(supplier=sup) == [Scheme.BUSINESS_LICENCE]
    assert suppliers.required_schemes(supplier=sup, piece=ring) == sorted([Scheme.BUSINESS_LICENCE, Scheme.KIMBERLEY])
    plain = PieceFactory()
    assert suppliers.required_schemes(supplier=sup, piece=plain) == [Scheme.BUSINESS_LICENCE]
    lab_grown = PieceFactory()
    StoneFactory(piece=lab_grown, origin=GemOrigin.LAB_GROWN)
    assert suppliers.required_schemes(supplier=sup, piece=lab_grown) == [Scheme.BUSINESS_LICENCE]
    refiner = supplier("refiner-1", kind=SupplierKind.REFINER)
    assert Scheme.RJC_COC in suppliers.required_schemes(supplier=refiner)


def test_a_certified_approved_supplier_delivers_and_the_piece_waits_for_its_inbound_inspection(
    ring, station, django_capture_on_commit_callbacks
):
    sup = supplier()
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = _receive(sup, ring, station, expected_on=today)
    assert (receipt.supplier, receipt.piece, receipt.location, receipt.received_on) == (sup, ring, station, today)
    assert receipt.on_time is True
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.INSPECTING
    assert Inspection.objects.filter(piece=ring, gate=Gate.INBOUND, state=Inspection.State.OPEN).exists()
    assert OutboxEvent.objects.filter(name=suppliers.SUPPLY_RECEIVED, payload__receipt_id=receipt.pk).exists()


def test_a_lapsed_kimberley_certificate_refuses_the_diamond_piece_naming_it_and_its_expiry(ring, station):
    yesterday = timezone.localdate() - timedelta(days=1)
    sup = supplier(schemes=(Scheme.BUSINESS_LICENCE,))
    Certification.objects.create(
        supplier=sup,
        scheme=Scheme.KIMBERLEY,
        number="KP-CN-0042",
        issued_on=yesterday - timedelta(days=300),
        valid_until=yesterday,
    )
    with pytest.raises(suppliers.CertificationNotValid) as refused:
        _receive(sup, ring, station)
    assert "Kimberley Process KP-CN-0042 lapsed on " + yesterday.isoformat() in refused.value.detail
    assert refused.value.status == 409
    assert refused.value.extra["certifications"] == [
        {"scheme": "kimberley", "problem": "lapsed", "number": "KP-CN-0042", "valid_until": yesterday.isoformat()}
    ]
    assert _nothing_received(ring)


def test_a_missing_certification_is_named_and_nothing_changes(ring, station):
    sup = supplier(schemes=(Scheme.KIMBERLEY,))
    with pytest.raises(suppliers.CertificationNotValid, match="no 营业执照 Business licence certification on file"):
        _receive(sup, ring, station)
    assert _nothing_received(ring)


def test_a_plain_gold_piece_needs_no_kimberley_certificate(station):
    sup = supplier(schemes=(Scheme.BUSINESS_LICENCE,))
    piece = PieceFactory(variant=VariantFactory(metal="gold", fineness=990))
    assert _receive(sup, piece, station).piece == piece


@pytest.mark.parametrize("status", [Supplier.Status.SUSPENDED, Supplier.Status.DELISTED, Supplier.Status.PENDING])
def test_only_approved_suppliers_deliver(ring, station, status):
    sup = supplier(status=status)
    with pytest.raises(suppliers.SupplierNotApproved, match=f"Supplier {sup.code} is"):
        _receive(sup, ring, station)
    assert _nothing_received(ring)


def test_a_certificate_is_valid_through_its_last_day_and_lapsed_the_day_after(ring, station):
    today = timezone.localdate()
    sup = supplier(valid_until=today)
    assert _receive(sup, ring, station).received_on == today  # valid_until == today is valid
    other = PieceFactory()
    StoneFactory(piece=other)
    tomorrow = today + timedelta(days=1)
    gaps = suppliers.certification_gaps(supplier=sup, schemes=[Scheme.KIMBERLEY], on=tomorrow)
    assert [(g.problem, g.valid_until) for g in gaps] == [("lapsed", today)]


def test_a_receipt_is_checked_on_its_receiving_day(ring, station):
    today = timezone.localdate()
    sup = supplier(valid_until=today - timedelta(days=3))
    # Entered late for a delivery that came while the certificates were valid.
    receipt = _receive(sup, ring, station, on=today - timedelta(days=5), expected_on=today - timedelta(days=6))
    assert receipt.on_time is False
    with pytest.raises(ValidationFailed):
        _receive(sup, PieceFactory(), station, on=today + timedelta(days=1))


def test_a_revoked_or_not_yet_valid_certificate_does_not_count(station):
    today = timezone.localdate()
    sup = supplier(schemes=())
    Certification.objects.create(
        supplier=sup,
        scheme=Scheme.BUSINESS_LICENCE,
        number="91440300X",
        issued_on=today - timedelta(days=90),
        valid_until=None,
        revoked_on=today - timedelta(days=1),
    )
    with pytest.raises(suppliers.CertificationNotValid, match="revoked on"):
        _receive(sup, PieceFactory(), station)
    Certification.objects.create(
        supplier=sup, scheme=Scheme.BUSINESS_LICENCE, number="91440300Y", issued_on=today + timedelta(days=2)
    )
    gaps = suppliers.certification_gaps(supplier=sup, schemes=[Scheme.BUSINESS_LICENCE], on=today)
    assert gaps[0].problem == "revoked"


def test_rules_are_configurable_per_category_and_metal(station):
    sup = supplier(schemes=(Scheme.BUSINESS_LICENCE,))
    piece = PieceFactory(variant=VariantFactory(metal="platinum", fineness=950))
    RequiredCertification.objects.create(scheme=Scheme.PRECIOUS_METALS, metal="platinum")
    RequiredCertification.objects.create(scheme=Scheme.ISO_9001, category=piece.style.category)
    with pytest.raises(suppliers.CertificationNotValid) as refused:
        _receive(sup, piece, station)
    assert [c["scheme"] for c in refused.value.extra["certifications"]] == [Scheme.ISO_9001, Scheme.PRECIOUS_METALS]


def test_receiving_needs_the_permission(ring, station):
    sup = supplier()
    clerk = UserFactory(username="clerk", is_staff=True)
    with pytest.raises(PermissionDenied):
        suppliers.receive_from_supplier(supplier=sup, piece=ring, location=station, actor=clerk, reference="PO-1")
    clerk.user_permissions.add(Permission.objects.get(codename="receive_from_supplier"))
    clerk = type(clerk).objects.get(pk=clerk.pk)
    receipt = suppliers.receive_from_supplier(supplier=sup, piece=ring, location=station, actor=clerk, reference="PO-1")
    assert receipt.received_by == clerk


def test_approving_needs_the_supplier_level_certifications():
    sup = supplier(status=Supplier.Status.PENDING, schemes=())
    with pytest.raises(suppliers.CertificationNotValid):
        suppliers.set_supplier_status(supplier=sup, status=Supplier.Status.APPROVED, reason="audit passed", actor=None)
    Certification.objects.create(
        supplier=sup, scheme=Scheme.BUSINESS_LICENCE, number="91440300Z", issued_on=timezone.localdate()
    )
    sup = suppliers.set_supplier_status(
        supplier=sup, status=Supplier.Status.APPROVED, reason="audit passed", actor=None
    )
    assert sup.status == Supplier.Status.APPROVED
    assert suppliers.is_cleared(supplier=sup, on=timezone.localdate())


def test_a_failed_inbound_inspection_opens_one_claim_against_the_supplier(
    ring, station, first_inspector, second_inspector, django_capture_on_commit_callbacks
):
    sup = supplier()
    with django_capture_on_commit_callbacks(execute=True):
        receipt = _receive(sup, ring, station)
    inspection = Inspection.objects.get(piece=ring, gate=Gate.INBOUND)
    light = {**GOOD_INSTRUMENT, "weight": q("3.480", "g")}
    services.record_reading(
        inspection=inspection,
        role=Reading.Role.INSTRUMENT,
        inspector=first_inspector,
        values=light,
        instrument_id="SCALE-2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_reading(
            inspection=inspection, role=Reading.Role.PERSON, inspector=second_inspector, values=GOOD_PERSON
        )
    claim = SupplierClaim.objects.get()
    assert (claim.supplier, claim.piece, claim.inspection, claim.receipt) == (sup, ring, inspection, receipt)
    assert claim.reasons[0]["code"] == "weight"
    # Redelivered: still one claim.
    event = OutboxEvent.objects.get(name=services.INSPECTION_FAILED)
    open_supplier_claim(event)
    assert SupplierClaim.objects.count() == 1


def test_a_failed_inspection_of_a_piece_from_no_supplier_opens_no_claim(
    received_ring, station, first_inspector, second_inspector, django_capture_on_commit_callbacks
):
    inspection = services.open_inspection(piece=received_ring, gate=Gate.INBOUND, station=station)
    light = {**GOOD_INSTRUMENT, "weight": q("3.480", "g")}
    services.record_reading(
        inspection=inspection,
        role=Reading.Role.INSTRUMENT,
        inspector=first_inspector,
        values=light,
        instrument_id="SCALE-2",
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.record_reading(
            inspection=inspection, role=Reading.Role.PERSON, inspector=second_inspector, values=GOOD_PERSON
        )
    assert not SupplierClaim.objects.exists()
    assert Decimal(inspection.piece.weight_g) == Decimal("3.512")
