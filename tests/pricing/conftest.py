"""Fixtures for pricing tests: a 足金 bangle style priced by weight and a fixed-price diamond style."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.catalog.models import Style
from tests.factories import PieceFactory, StyleFactory, UserFactory, VariantFactory


@pytest.fixture
def staff():
    return UserFactory(username="pricing-staff", is_staff=True)


@pytest.fixture
def gold_style():
    """By weight, 足金 (gold 990), labour 20.00 per gram."""
    return StyleFactory(labour_fee=Decimal("20.00"), labour_basis=Style.LabourBasis.PER_GRAM)


@pytest.fixture
def gold_variant(gold_style):
    return VariantFactory(style=gold_style, metal="gold", fineness=990)


@pytest.fixture
def make_gold_piece(gold_variant):
    def make(weight: str = "30.125", **kwargs):
        return PieceFactory(variant=gold_variant, weight_g=Decimal(weight), **kwargs)

    return make


@pytest.fixture
def fixed_style():
    return StyleFactory(
        pricing_mode=Style.PricingMode.FIXED,
        fixed_price=Decimal("9999.00"),
        labour_fee=Decimal("0"),
        metal="platinum",
        fineness=950,
        title="铂950钻石戒指",
    )


@pytest.fixture
def fixed_piece(fixed_style):
    variant = VariantFactory(style=fixed_style, metal="platinum", fineness=950)
    return PieceFactory(variant=variant, weight_g=Decimal("3.210"))
