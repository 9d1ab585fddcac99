"""Every way stock comes in keeps the supplier rule (SPEC S4): a new piece is received only from an
approved supplier whose required certifications are valid that day — by the service, by the ERP
import's supplier column — and a piece coming back (a return, a buyback) needs none."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import ValidationFailed
from auric.inventory import csv_sync
from auric.inventory import services as inventory
from auric.inventory.models import PieceStatus, PieceStock
from auric.quality.models import Scheme, SupplyReceipt
from auric.quality.suppliers import CertificationNotValid
from tests.factories import PieceFactory, StyleFactory, VariantFactory
from tests.quality.supply import supplier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _suppliers_required(settings):
    settings.AURIC_SUPPLIER_RECEIPTS_REQUIRED = True


def test_a_new_piece_without_a_supplier_is_refused_and_nothing_is_received(ring, station):
    with pytest.raises(ValidationFailed) as refused:
        inventory.receive_piece(piece=ring, location=station)
    assert "supplier" in refused.value.errors
    assert not PieceStock.objects.filter(piece=ring).exists()


def test_a_new_piece_from_a_certified_supplier_is_received_and_waits_for_inspection(ring, station):
    supplier("sup-ok")
    inventory.receive_piece(piece=ring, location=station, supplier="sup-ok", reference="PO-7")
    receipt = SupplyReceipt.objects.get(piece=ring)
    assert (receipt.supplier.code, receipt.reference) == ("sup-ok", "PO-7")
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.INSPECTING


def test_a_lapsed_certificate_refuses_the_receipt_whole(ring, station):
    supplier("sup-lapsed", valid_until=timezone.localdate() - timedelta(days=1))
    with pytest.raises(CertificationNotValid):
        inventory.receive_piece(piece=ring, location=station, supplier="sup-lapsed")
    assert not PieceStock.objects.filter(piece=ring).exists()
    assert not SupplyReceipt.objects.exists()


def test_an_unknown_supplier_is_a_clear_error(ring, station):
    with pytest.raises(ValidationFailed) as refused:
        inventory.receive_piece(piece=ring, location=station, supplier="nobody")
    assert refused.value.errors == {"supplier": ["no such supplier"]}


def test_a_piece_coming_back_needs_no_supplier(station, settings):
    settings.AURIC_QC_INBOUND_GATE = False
    supplier("sup-ok", schemes=(Scheme.BUSINESS_LICENCE,))
    piece = PieceFactory(weight_g=Decimal("30.125"))
    inventory.receive_piece(piece=piece, location=station, supplier="sup-ok")
    reservation = inventory.reserve_piece(piece=piece, reference="ORDER-9")
    inventory.consume_reservation(reservation=reservation, reference="ORDER-9")
    inventory.receive_piece(piece=piece, location=station, reference="buyback 1")  # back in stock
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
    assert SupplyReceipt.objects.filter(piece=piece).count() == 1


def test_the_erp_import_names_the_supplier_of_each_row(station):
    VariantFactory(sku="BANGLE-990", style=StyleFactory(code="AU-BANGLE"))
    supplier("sup-ok", schemes=(Scheme.BUSINESS_LICENCE,))
    supplier("sup-lapsed", schemes=(Scheme.BUSINESS_LICENCE,), valid_until=timezone.localdate() - timedelta(days=3))
    header = "style_code,variant_sku,serial_number,tag_code,weight_g,cost,location_code,supplier_code"
    good = f"{header}\nAU-BANGLE,BANGLE-990,SN-A,TAG-A,30.125,15000,{station.code},sup-ok\n".encode()
    report = csv_sync.import_pieces_csv(data=good)
    assert report.ok, report.errors
    assert SupplyReceipt.objects.get(piece__serial_number="SN-A").supplier.code == "sup-ok"

    bad = (
        f"{header}\nAU-BANGLE,BANGLE-990,SN-B,TAG-B,30.125,15000,{station.code},sup-ok\n"
        f"AU-BANGLE,BANGLE-990,SN-C,TAG-C,30.125,15000,{station.code},sup-lapsed\n"
        f"AU-BANGLE,BANGLE-990,SN-D,TAG-D,30.125,15000,{station.code},\n"
    ).encode()
    report = csv_sync.import_pieces_csv(data=bad)
    assert not report.ok
    assert {(error.line, error.column) for error in report.errors} >= {(4, "supplier_code")}
    assert any(error.line == 3 for error in report.errors)
    assert not PieceStock.objects.filter(piece__serial_number__in=["SN-B", "SN-C", "SN-D"]).exists()
