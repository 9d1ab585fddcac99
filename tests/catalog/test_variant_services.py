"""Variants: GB 11887 marks that fit the style (rule G1), pricing rules, unique SKUs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from auric.catalog import services, vocab
from auric.catalog.models import Style, Variant
from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry
from tests.catalog.conftest import row_counts
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def _refused(**kwargs) -> dict[str, list[str]]:
    before = row_counts()
    with pytest.raises(ValidationFailed) as refused:
        services.add_variant(**kwargs)
    assert row_counts() == before, "a refused call must write nothing"
    return refused.value.errors


def test_add_variant_writes_the_variant_audits_it_and_updates_the_style_summary(gold_style, staff):
    variant = services.add_variant(style=gold_style, sku="AU-B-58", metal="gold", fineness=990, size="58", actor=staff)

    assert variant.fineness_mark.mark == "足金"
    assert AuditEntry.objects.get(action="catalog.variant.created").actor == staff
    gold_style.refresh_from_db()
    assert (gold_style.metal, gold_style.fineness) == ("gold", 990)


def test_g1_zujin_label_on_750_is_rejected(gold_style):
    # The style is titled 足金…; an 18K (750‰) variant would sell 750‰ gold as 足金.
    errors = _refused(style=gold_style, sku="AU-B-750", metal="gold", fineness=750)
    assert "足金" in errors["fineness"][0]


def test_g1_english_title_mark_must_match_too(category):
    style = services.create_style(
        code="R-1", title="红宝石戒指", title_en="18K gold ruby ring", category=category, pricing_mode="by_weight"
    )
    errors = _refused(style=style, sku="R-1-A", metal="platinum", fineness=950)
    assert "18K" in errors["fineness"][0]


def test_g1_a_title_without_a_mark_accepts_any_mark(category):
    style = services.create_style(code="R-2", title="钻石戒指", category=category, pricing_mode="fixed")
    services.add_variant(style=style, sku="R-2-AU", metal="gold", fineness=750, fixed_price=Decimal("9000"))
    services.add_variant(style=style, sku="R-2-PT", metal="platinum", fineness=950, fixed_price=Decimal("9900"))
    assert style.variants.count() == 2


def test_g1_pt950_title_accepts_a_platinum_950_variant(category):
    style = services.create_style(code="R-3", title="Pt950钻石戒指", category=category, pricing_mode="by_weight")
    assert services.add_variant(style=style, sku="R-3-A", metal="platinum", fineness=950).fineness == 950


@pytest.mark.parametrize(("metal", "fineness"), [("gold", 999), ("gold", 9999), ("silver", 750), ("platinum", 585)])
def test_g1_fineness_that_is_not_a_gb11887_mark_is_rejected(category, metal, fineness):
    style = services.create_style(code="X-1", title="戒指", category=category, pricing_mode="by_weight")
    errors = _refused(style=style, sku="X-1-A", metal=metal, fineness=fineness)
    assert "fineness" in errors


def test_unknown_metal_is_rejected(gold_style):
    errors = _refused(style=gold_style, sku="X-2", metal="copper", fineness=990)
    assert "metal" in errors


def test_g1_by_weight_style_needs_metal_and_fineness_on_every_variant(gold_style):
    assert "metal" in _refused(style=gold_style, sku="X-3")
    assert "fineness" in _refused(style=gold_style, sku="X-4", metal="gold")


def test_g1_a_fineness_without_its_metal_is_rejected(category):
    style = services.create_style(code="J-1", title="翡翠手镯", category=category, pricing_mode="fixed")
    errors = _refused(style=style, sku="J-1-A", fineness=990, fixed_price=Decimal("1"))
    assert "metal" in errors


def test_g1_a_style_whose_title_states_a_mark_refuses_a_variant_without_metal(gold_style):
    style = Style.objects.get(pk=gold_style.pk)
    Style.objects.filter(pk=style.pk).update(pricing_mode="fixed", fixed_price=Decimal("100"))
    style.refresh_from_db()
    errors = _refused(style=style, sku="X-5")
    assert "足金" in errors["fineness"][0]


def test_duplicate_sku_is_a_validation_error(gold_variant):
    errors = _refused(style=gold_variant.style, sku=gold_variant.sku, metal="gold", fineness=990)
    assert "sku" in errors


def test_by_weight_variant_cannot_carry_a_fixed_price(gold_style):
    errors = _refused(style=gold_style, sku="X-6", metal="gold", fineness=990, fixed_price=Decimal("100"))
    assert "fixed_price" in errors


def test_quantity_variant_of_a_by_weight_style_needs_a_unit_weight(gold_style):
    errors = _refused(style=gold_style, sku="X-7", metal="gold", fineness=990, is_serialized=False)
    assert "unit_weight_g" in errors
    variant = services.add_variant(
        style=gold_style, sku="X-7", metal="gold", fineness=990, is_serialized=False, unit_weight_g=Decimal("1.250")
    )
    assert variant.unit_weight_g == Decimal("1.250")


def test_fixed_price_quantity_variant_needs_a_price_on_itself_or_the_style(ring_style):
    errors = _refused(style=ring_style, sku="DR-X", metal="gold", fineness=750, is_serialized=False)
    assert "fixed_price" in errors


@pytest.mark.parametrize("price", [Decimal("-0.01"), Decimal("10.001"), "abc", 12.5])
def test_bad_variant_prices_are_rejected(ring_style, price):
    errors = _refused(style=ring_style, sku="DR-Y", metal="gold", fineness=750, fixed_price=price)
    assert "fixed_price" in errors


class TestEveryMarkIsAcceptedOnAnUnmarkedStyle(TestCase):
    @settings(max_examples=len(vocab.FINENESS_MARKS) * 2, deadline=None)
    @given(mark=st.sampled_from(vocab.FINENESS_MARKS))
    def test_g1_every_gb11887_mark_is_accepted(self, mark):
        style = services.create_style(
            code=f"M-{mark.code}", title="戒指", category=CategoryFactory(), pricing_mode="by_weight"
        )
        variant = services.add_variant(style=style, sku=f"M-{mark.code}-1", metal=mark.metal, fineness=mark.permille)
        assert Variant.objects.get(pk=variant.pk).fineness_mark == mark
