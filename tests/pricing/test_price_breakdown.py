"""price_breakdown: the price of one piece from the database, at a moment."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.catalog.models import Style
from auric.pricing.models import FlashPrice
from auric.pricing.services import FixedPriceMissing, MetalPriceMissing, price_breakdown
from tests.factories import MetalPriceFactory, PieceFactory, VariantFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_by_weight_piece_uses_todays_metal_price_for_its_fineness(make_gold_piece):
    MetalPriceFactory(price_per_gram=D("780.00"))
    MetalPriceFactory(fineness=750, price_per_gram=D("590.00"))
    breakdown = price_breakdown(piece=make_gold_piece("30.125"))
    assert breakdown.is_by_weight
    assert breakdown.metal_price_per_gram.amount == D("780.00")
    assert breakdown.final_price.amount == D("24100.00")


def test_the_latest_price_on_or_before_the_day_applies(make_gold_piece):
    today = timezone.localdate()
    MetalPriceFactory(on_date=today - timedelta(days=3), price_per_gram=D("700.00"))
    MetalPriceFactory(on_date=today - timedelta(days=1), price_per_gram=D("760.00"))
    MetalPriceFactory(on_date=today + timedelta(days=1), price_per_gram=D("999.00"))
    breakdown = price_breakdown(piece=make_gold_piece("1.000"))
    assert breakdown.metal_price_date == today - timedelta(days=1)
    assert breakdown.metal_value.amount == D("760.00")


def test_a_by_weight_piece_without_a_metal_price_raises_a_409_domain_error(make_gold_piece):
    MetalPriceFactory(on_date=timezone.localdate() + timedelta(days=1))
    with pytest.raises(MetalPriceMissing) as caught:
        price_breakdown(piece=make_gold_piece())
    assert caught.value.status == 409
    assert caught.value.problem()["type"] == "/problems/metal_price_missing"


def test_fixed_price_comes_from_the_piece_then_variant_then_style(fixed_style):
    plain = VariantFactory(style=fixed_style, metal="platinum", fineness=950)
    priced_variant = VariantFactory(style=fixed_style, metal="platinum", fineness=950, fixed_price=D("12000.00"))
    assert price_breakdown(piece=PieceFactory(variant=plain)).final_price.amount == D("9999.00")
    assert price_breakdown(piece=PieceFactory(variant=priced_variant)).final_price.amount == D("12000.00")
    own = PieceFactory(variant=priced_variant, fixed_price=D("15800.00"))
    assert price_breakdown(piece=own).final_price.amount == D("15800.00")


def test_a_fixed_price_piece_needs_no_metal_price(fixed_piece):
    breakdown = price_breakdown(piece=fixed_piece)
    assert not breakdown.is_by_weight
    assert breakdown.metal_price_per_gram is None


def test_a_fixed_style_without_any_fixed_price_raises(fixed_style):
    fixed_style.fixed_price = None
    fixed_style.save()
    with pytest.raises(FixedPriceMissing):
        price_breakdown(piece=PieceFactory(variant=VariantFactory(style=fixed_style)))


def test_an_active_flash_price_lowers_the_final_price_until_it_ends(fixed_piece):
    now = timezone.now()
    FlashPrice.objects.create(
        style=fixed_piece.style,
        label="双十一",
        percent_off=D("20"),
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    during = price_breakdown(piece=fixed_piece, at=now)
    after = price_breakdown(piece=fixed_piece, at=now + timedelta(hours=1))
    assert during.base_price.amount == D("9999.00")
    assert during.final_price.amount == D("7999.20")
    assert during.flash_ends_at == now + timedelta(hours=1)
    assert after.final_price.amount == D("9999.00")
    assert after.flash_price is None


def test_a_past_moment_uses_that_days_metal_price(make_gold_piece):
    MetalPriceFactory(on_date=date(2024, 1, 2), price_per_gram=D("480.00"))
    MetalPriceFactory(price_per_gram=D("780.00"))
    piece = make_gold_piece("1.000")
    piece.style.labour_basis = Style.LabourBasis.PER_PIECE
    piece.style.labour_fee = D("0")
    then = timezone.make_aware(timezone.datetime(2024, 1, 2, 12, 0))
    assert price_breakdown(piece=piece, at=then).final_price.amount == D("480.00")
