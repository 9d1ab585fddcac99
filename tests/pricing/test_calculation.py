"""The price arithmetic and its rounding rules, without a database."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from auric.catalog.models import Piece, Style, Variant
from auric.pricing.calculation import FlashTerms, apply_flash, by_weight_breakdown, fixed_breakdown
from auric.pricing.models import MetalPrice
from auric.pricing.services import _breakdown

D = Decimal


def gold(weight: str, price: str, labour: str, basis: str = "per_gram", **kwargs):
    return by_weight_breakdown(
        weight_g=D(weight),
        metal_price_per_gram=D(price),
        metal_price_date=date(2025, 3, 3),
        labour_fee=D(labour),
        labour_basis=basis,
        list_price=kwargs.pop("list_price", None),
        **kwargs,
    )


def test_a_30_125_g_zujin_bangle_at_780_with_20_per_gram_labour_costs_24100():
    breakdown = gold("30.125", "780.00", "20.00")
    assert breakdown.metal_value.amount == D("23497.50")
    assert breakdown.labour.amount == D("602.50")
    assert breakdown.base_price.amount == D("24100.00")
    assert breakdown.final_price.amount == D("24100.00")
    assert breakdown.final_price.currency == "CNY"


def test_metal_value_and_labour_are_each_rounded_half_up_to_the_fen_before_adding():
    # 10.005 g × 456.78 = 4570.0839 → 4570.08; 10.005 g × 12.35 = 123.56175 → 123.56
    breakdown = gold("10.005", "456.78", "12.35")
    assert (breakdown.metal_value.amount, breakdown.labour.amount) == (D("4570.08"), D("123.56"))
    assert breakdown.final_price.amount == D("4693.64")


def test_a_half_fen_rounds_up_not_to_even():
    # 1.005 g × 1.00 = 1.005 → 1.01 (bankers' rounding would give 1.00)
    assert gold("1.005", "1.00", "0").metal_value.amount == D("1.01")


def test_per_piece_labour_is_added_once_whatever_the_weight():
    breakdown = gold("5.000", "500.00", "150.00", basis="per_piece")
    assert breakdown.labour.amount == D("150.00")
    assert breakdown.final_price.amount == D("2650.00")


def test_percent_off_applies_to_the_rounded_base_and_rounds_half_up():
    # base 100.05, 10 % off = 90.045 → 90.05
    flash = FlashTerms(label="限时", ends_at=None, percent_off=D("10"))
    breakdown = fixed_breakdown(weight_g=D("1"), fixed_price=D("100.05"), list_price=None, flashes=[flash])
    assert breakdown.flash_price.amount == D("90.05")
    assert breakdown.final_price.amount == D("90.05")
    assert breakdown.flash_label == "限时"


def test_a_flash_price_above_the_base_does_not_raise_the_price():
    flash = FlashTerms(label="", ends_at=None, price=D("500.00"))
    assert apply_flash(D("400.00"), flash) == D("400.00")


def test_the_lowest_of_several_active_flash_prices_wins():
    flashes = [
        FlashTerms(label="A", ends_at=None, percent_off=D("5")),
        FlashTerms(label="B", ends_at=None, price=D("80.00")),
    ]
    breakdown = fixed_breakdown(weight_g=D("1"), fixed_price=D("100.00"), list_price=None, flashes=flashes)
    assert (breakdown.final_price.amount, breakdown.flash_label) == (D("80.00"), "B")


def test_list_price_is_shown_only_when_higher_than_the_final_price():
    higher = fixed_breakdown(weight_g=D("1"), fixed_price=D("100.00"), list_price=D("129.00"))
    lower = fixed_breakdown(weight_g=D("1"), fixed_price=D("100.00"), list_price=D("99.00"))
    equal = fixed_breakdown(weight_g=D("1"), fixed_price=D("100.00"), list_price=D("100.00"))
    assert higher.list_price.amount == D("129.00")
    assert higher.savings.amount == D("29.00")
    assert lower.list_price is None
    assert equal.list_price is None


# --- Properties ---------------------------------------------------------------------------------
weights = st.integers(min_value=1, max_value=5_000_000).map(lambda mg: D(mg).scaleb(-3))  # 0.001–5000 g
prices = st.integers(min_value=1, max_value=1_000_000).map(lambda fen: D(fen).scaleb(-2))  # 0.01–10000
labours = st.integers(min_value=0, max_value=100_000).map(lambda fen: D(fen).scaleb(-2))
percents = st.integers(min_value=1, max_value=9999).map(lambda hundredths: D(hundredths).scaleb(-2))


def fen_half_up(numerator: int, denominator: int) -> int:
    """Integer oracle: numerator/denominator rounded half-up (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


@given(weight=weights, price=prices, labour=labours)
def test_by_weight_price_follows_the_rounding_rule_for_any_weight_and_price(weight, price, labour):
    breakdown = gold(str(weight), str(price), str(labour))
    weight_mg, price_fen, labour_fen = int(weight * 1000), int(price * 100), int(labour * 100)
    expected_fen = fen_half_up(weight_mg * price_fen, 1000) + fen_half_up(weight_mg * labour_fen, 1000)
    final = breakdown.final_price.amount
    assert final >= 0
    assert final.as_tuple().exponent == -2
    assert final == D(expected_fen).scaleb(-2)


@given(weight=weights, price=prices, labour=labours, percent=percents)
def test_a_flash_percentage_never_raises_the_price(weight, price, labour, percent):
    flash = FlashTerms(label="", ends_at=None, percent_off=percent)
    plain = gold(str(weight), str(price), str(labour))
    discounted = gold(str(weight), str(price), str(labour), flashes=[flash])
    assert D(0) <= discounted.final_price.amount <= plain.final_price.amount
    assert discounted.final_price.amount.as_tuple().exponent == -2


@given(base=prices, flash_price=st.integers(min_value=0, max_value=2_000_000).map(lambda f: D(f).scaleb(-2)))
def test_a_fixed_flash_price_stays_between_zero_and_the_base(base, flash_price):
    result = apply_flash(base, FlashTerms(label="", ends_at=None, price=flash_price))
    assert D(0) <= result <= base


@given(fixed=prices, metal_price=prices, weight=weights)
def test_fixed_price_pieces_ignore_the_metal_price(fixed, metal_price, weight):
    style = Style(pricing_mode=Style.PricingMode.FIXED, fixed_price=fixed, labour_fee=D("0"), currency="CNY")
    variant = Variant(style=style, metal="gold", fineness=990)
    piece = Piece(style=style, variant=variant, weight_g=weight, serial_number="SN1")
    row = MetalPrice(metal="gold", fineness=990, on_date=date(2025, 1, 1), price_per_gram=metal_price)
    with_metal = _breakdown(piece=piece, style=style, variant=variant, metal_price=row, flashes=[])
    without = _breakdown(piece=piece, style=style, variant=variant, metal_price=None, flashes=[])
    assert with_metal.final_price == without.final_price
    assert with_metal.final_price.amount == fixed
    assert with_metal.metal_value is None and not with_metal.is_by_weight
