"""Registering pieces: weights, money, G1 measured fineness, G2 stones, certificates, events."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from auric.catalog import services
from auric.catalog.models import Certificate, Piece, Stone
from auric.catalog.services import CertificateInput, StoneInput
from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry, OutboxEvent
from tests.catalog.conftest import row_counts
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db

DIAMOND = StoneInput(kind="diamond", carat=Decimal("1.02"), colour="D", clarity="VVS1", cut="EX")


def _gold_piece(variant, **overrides):
    values = {
        "variant": variant,
        "serial_number": "AU2025000001",
        "tag_code": "TAG-000001",
        "weight_g": Decimal("30.125"),
        "cost": Decimal("16000.00"),
    }
    values.update(overrides)
    return services.register_piece(**values)


def _ring_piece(variant, **overrides):
    values = {
        "variant": variant,
        "serial_number": "DR2025000001",
        "tag_code": "TAG-R-000001",
        "weight_g": Decimal("3.210"),
        "cost": Decimal("6000.00"),
        "stones": [DIAMOND],
        "certificate": CertificateInput(lab="GIA", report_number="2141438171", issued_on=timezone.localdate()),
    }
    values.update(overrides)
    return services.register_piece(**values)


def _refused(make, variant, **overrides) -> dict[str, list[str]]:
    before = row_counts()
    with pytest.raises(ValidationFailed) as refused:
        make(variant, **overrides)
    assert row_counts() == before, "a refused call must write nothing"
    return refused.value.errors


def test_register_piece_writes_piece_audit_and_event(gold_variant, staff):
    piece = _gold_piece(gold_variant, measured_fineness=Decimal("999.2"), actor=staff)

    assert piece.style_id == gold_variant.style_id
    assert piece.price is None, "pricing prices the piece, not the catalog"
    entry = AuditEntry.objects.get(action="catalog.piece.registered")
    assert entry.actor == staff and entry.after["weight_g"] == "30.125"
    event = OutboxEvent.objects.get(name="catalog.PieceRegistered")
    assert event.payload == {
        "piece_id": piece.pk,
        "style_id": gold_variant.style_id,
        "variant_id": gold_variant.pk,
        "serial_number": "AU2025000001",
    }
    assert event.aggregate == f"catalog.piece:{piece.pk}"


def test_register_piece_with_stone_and_certificate_updates_the_style_summary(ring_variant):
    piece = _ring_piece(ring_variant)

    assert piece.stones.get().grades().colour == "D"
    assert piece.certificates.get().report_number == "2141438171"
    style = piece.style
    style.refresh_from_db()
    assert (style.metal, style.fineness, style.gem, style.carat_max, style.cert_lab) == (
        "gold",
        750,
        "diamond",
        Decimal("1.02"),
        "GIA",
    )


def test_g1_measured_fineness_below_mark_is_rejected(gold_variant):
    errors = _refused(_gold_piece, gold_variant, measured_fineness=Decimal("989.9"))
    assert "no negative tolerance" in errors["measured_fineness"][0]


def test_g1_measured_fineness_with_two_decimals_is_rejected(gold_variant):
    assert "measured_fineness" in _refused(_gold_piece, gold_variant, measured_fineness=Decimal("999.25"))


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        (Decimal("0"), "above 0"),
        (Decimal("-3.000"), "above 0"),
        (Decimal("30.1255"), "3 decimals"),
        (Decimal("5000.001"), "at most"),
        (30.125, "float"),
        (None, "required"),
    ],
)
def test_impossible_weights_are_rejected(gold_variant, weight, message):
    errors = _refused(_gold_piece, gold_variant, weight_g=weight)
    assert message in errors["weight_g"][0]


@pytest.mark.parametrize("cost", [Decimal("-1.00"), Decimal("10.001"), None, "lots"])
def test_bad_costs_are_rejected(gold_variant, cost):
    assert "cost" in _refused(_gold_piece, gold_variant, cost=cost)


def test_duplicate_serial_number_is_a_validation_error(gold_variant):
    _gold_piece(gold_variant)
    errors = _refused(_gold_piece, gold_variant, tag_code="TAG-OTHER")
    assert "serial_number" in errors


def test_duplicate_tag_is_a_validation_error(gold_variant):
    _gold_piece(gold_variant)
    errors = _refused(_gold_piece, gold_variant, serial_number="AU-OTHER")
    assert "tag_code" in errors


def test_serial_numbers_with_odd_characters_are_rejected(gold_variant):
    assert "serial_number" in _refused(_gold_piece, gold_variant, serial_number="SN 1;DROP")


def test_a_quantity_variant_cannot_get_pieces(gold_style):
    chain = services.add_variant(
        style=gold_style, sku="CHAIN-45", metal="gold", fineness=990, is_serialized=False, unit_weight_g=Decimal("5")
    )
    errors = _refused(_gold_piece, chain)
    assert "quantity" in errors["variant"][0]


def test_a_by_weight_piece_cannot_carry_a_fixed_price(gold_variant):
    assert "fixed_price" in _refused(_gold_piece, gold_variant, fixed_price=Decimal("9999.00"))


def test_a_fixed_price_piece_needs_a_price_somewhere(ring_style):
    unpriced = services.add_variant(style=ring_style, sku="DR-RING-1-14", metal="gold", fineness=750)
    errors = _refused(_ring_piece, unpriced)
    assert "fixed_price" in errors
    assert _ring_piece(unpriced, fixed_price=Decimal("15000.00")).fixed_price == Decimal("15000.00")


# --- stones (G2) ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("stone", "field"),
    [
        (StoneInput(kind="unobtainium", carat=Decimal("1")), "stones.0.kind"),
        (StoneInput(kind="diamond", carat=Decimal("1"), origin="moon"), "stones.0.origin"),
        (StoneInput(kind="diamond", carat=Decimal("1"), colour="A"), "stones.0.colour"),
        (StoneInput(kind="diamond", carat=Decimal("1"), clarity="VVS3"), "stones.0.clarity"),
        (StoneInput(kind="ruby", carat=Decimal("1"), colour="D"), "stones.0.colour"),
        (StoneInput(kind="diamond", carat=Decimal("1.005")), "stones.0.carat"),
        (StoneInput(kind="diamond", carat=Decimal("0")), "stones.0.carat"),
        (StoneInput(kind="diamond", carat=Decimal("1"), count=0), "stones.0.count"),
    ],
)
def test_g2_stones_outside_the_scales_are_rejected(ring_variant, stone, field):
    errors = _refused(_ring_piece, ring_variant, stones=[stone], certificate=None)
    assert field in errors


def test_g2_a_piece_has_at_most_one_main_stone_entry(ring_variant):
    errors = _refused(_ring_piece, ring_variant, stones=[DIAMOND, DIAMOND], certificate=None)
    assert "stones" in errors


def test_g2_side_stones_are_stored_beside_the_main_stone(ring_variant):
    side = StoneInput(kind="diamond", carat=Decimal("0.12"), is_main=False, count=12)
    piece = _ring_piece(ring_variant, stones=[DIAMOND, side])
    assert list(piece.stones.values_list("is_main", "count")) == [(True, 1), (False, 12)]


def test_g2_jadeite_with_a_treatment_grade_is_accepted(category):
    style = services.create_style(code="JD-2", title="翡翠手镯", category=category, pricing_mode="fixed")
    variant = services.add_variant(style=style, sku="JD-2-A", fixed_price=Decimal("88000"))
    piece = services.register_piece(
        variant=variant,
        serial_number="JD-0001",
        tag_code="TAG-JD-0001",
        weight_g=Decimal("62.400"),
        cost=Decimal("40000"),
        stones=[StoneInput(kind="jadeite", carat=Decimal("310.00"), treatment="A")],
    )
    assert piece.stones.get().treatment == "A"


# --- certificates ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("certificate", "field"),
    [
        (CertificateInput(lab="ACME", report_number="1", issued_on=timezone.localdate()), "certificate.lab"),
        (CertificateInput(lab="GIA", report_number="", issued_on=timezone.localdate()), "certificate.report_number"),
        (
            CertificateInput(lab="GIA", report_number="12 34<script>", issued_on=timezone.localdate()),
            "certificate.report_number",
        ),
        (
            CertificateInput(lab="GIA", report_number="1", issued_on=timezone.localdate() + timedelta(days=1)),
            "certificate.issued_on",
        ),
        (
            CertificateInput(lab="GIA", report_number="1", issued_on=timezone.localdate(), grades={"colour": "E"}),
            "certificate.grades.colour",
        ),
        (
            CertificateInput(lab="GIA", report_number="1", issued_on=timezone.localdate(), grades={"carat": "1.20"}),
            "certificate.grades.carat",
        ),
    ],
)
def test_bad_certificates_are_rejected(ring_variant, certificate, field):
    assert field in _refused(_ring_piece, ring_variant, certificate=certificate)


def test_a_lab_report_registered_twice_is_a_validation_error_not_an_integrity_error(ring_variant):
    _ring_piece(ring_variant)
    errors = _refused(_ring_piece, ring_variant, serial_number="DR-2", tag_code="TAG-R-2")
    assert "registered already" in errors["certificate.report_number"][0]


def test_the_same_report_number_at_another_lab_is_accepted(ring_variant):
    _ring_piece(ring_variant)
    other = CertificateInput(lab="NGTC", report_number="2141438171", issued_on=timezone.localdate())
    _ring_piece(ring_variant, serial_number="DR-2", tag_code="TAG-R-2", certificate=other)
    assert Certificate.objects.count() == 2


def test_a_certificate_that_agrees_with_the_main_stone_is_stored_with_its_grades(ring_variant):
    grades = {"colour": "D", "clarity": "VVS1", "carat": "1.02", "cut": "EX"}
    cert = CertificateInput(lab="GIA", report_number="5555", issued_on=timezone.localdate(), grades=grades)
    assert _ring_piece(ring_variant, certificate=cert).certificates.get().grades == grades


class TestWeightsWithMoreThanThreeDecimals(TestCase):
    @settings(max_examples=25, deadline=None)
    @given(
        weight=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999"), places=5).filter(
            lambda d: d != d.quantize(Decimal("0.001"))
        )
    )
    def test_any_weight_with_more_than_three_decimals_is_refused_and_nothing_is_written(self, weight):
        style = services.create_style(
            code="H-1", title="足金手镯", category=CategoryFactory(), pricing_mode="by_weight"
        )
        variant = services.add_variant(style=style, sku="H-1-A", metal="gold", fineness=990)
        with pytest.raises(ValidationFailed) as refused:
            services.register_piece(
                variant=variant, serial_number="H-SN", tag_code="H-TAG", weight_g=weight, cost=Decimal("1")
            )
        assert "3 decimals" in refused.value.errors["weight_g"][0]
        assert not Piece.objects.exists() and not Stone.objects.exists()
