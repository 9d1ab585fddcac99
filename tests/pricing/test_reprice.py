"""reprice: bulk price updates, the public price-change log and the PricesChanged event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auric.catalog.models import Piece
from auric.core.errors import ValidationFailed
from auric.core.models import OutboxEvent
from auric.pricing.models import MetalPrice, PriceChange
from auric.pricing.services import reprice
from tests.factories import MetalPriceFactory, PieceFactory, StyleFactory, VariantFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_reprice_sets_every_matching_piece_and_logs_the_style_reference_price(make_gold_piece):
    MetalPriceFactory(price_per_gram=D("780.00"))
    light, heavy = make_gold_piece("10.000"), make_gold_piece("30.125")
    changed = reprice(metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE)
    assert changed == 2
    light.refresh_from_db()
    heavy.refresh_from_db()
    assert (light.price, heavy.price) == (D("8000.00"), D("24100.00"))
    log = PriceChange.objects.get()
    assert (log.style_id, log.old_amount, log.new_amount) == (light.style_id, None, D("8000.00"))


def test_reprice_writes_a_price_change_only_when_the_reference_price_changes(make_gold_piece):
    row = MetalPriceFactory(price_per_gram=D("780.00"))
    make_gold_piece("10.000")
    reprice(style_ids=None, metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE)
    assert reprice(metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE) == 0
    assert PriceChange.objects.count() == 1

    MetalPrice.objects.filter(pk=row.pk).update(price_per_gram=D("790.00"))
    reprice(metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE)
    latest = PriceChange.objects.order_by("id").last()
    assert (latest.old_amount, latest.new_amount) == (D("8000.00"), D("8100.00"))
    assert PriceChange.objects.count() == 2


def test_a_heavier_piece_changing_does_not_log_when_the_cheapest_is_unchanged(make_gold_piece, gold_style):
    MetalPriceFactory(price_per_gram=D("780.00"))
    cheap = make_gold_piece("1.000")
    reprice(style_ids=[gold_style.pk], reason=PriceChange.Reason.METAL_PRICE)
    PieceFactory(variant=cheap.variant, weight_g=D("50.000"))
    reprice(style_ids=[gold_style.pk], reason=PriceChange.Reason.METAL_PRICE)
    assert PriceChange.objects.count() == 1


def test_reprice_publishes_prices_changed_with_the_style_ids(make_gold_piece, gold_style):
    MetalPriceFactory()
    make_gold_piece()
    reprice(metal="gold", reason=PriceChange.Reason.METAL_PRICE)
    event = OutboxEvent.objects.get(name="pricing.PricesChanged")
    assert event.payload["style_ids"] == [gold_style.pk]


def test_nothing_changed_publishes_nothing(make_gold_piece):
    make_gold_piece()
    reprice(metal="gold", reason=PriceChange.Reason.METAL_PRICE)  # no metal price: kept as is
    assert not OutboxEvent.objects.filter(name="pricing.PricesChanged").exists()
    assert Piece.objects.get().price is None


def test_reprice_by_metal_leaves_fixed_price_pieces_alone(fixed_piece):
    MetalPriceFactory(metal="platinum", fineness=950, price_per_gram=D("245.00"))
    reprice(metal="platinum", fineness=950, reason=PriceChange.Reason.METAL_PRICE)
    fixed_piece.refresh_from_db()
    assert fixed_piece.price is None


def test_reprice_by_style_prices_fixed_pieces(fixed_piece):
    reprice(style_ids=[fixed_piece.style_id], reason=PriceChange.Reason.FIXED_PRICE)
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("9999.00")


def test_an_unknown_reason_is_refused():
    with pytest.raises(ValidationFailed):
        reprice(style_ids=[], reason="because")


def _make_pieces(count: int) -> None:
    for _ in range(count):
        PieceFactory(variant=VariantFactory(style=StyleFactory()))


def test_reprice_uses_the_same_number_of_queries_for_50_pieces_as_for_5(django_assert_max_num_queries):
    MetalPriceFactory(price_per_gram=D("780.00"))
    _make_pieces(5)
    with CaptureQueriesContext(connection) as few:
        assert reprice(metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE) == 5
    assert len(few) <= 15
    Piece.objects.update(price=None)
    _make_pieces(45)
    with django_assert_max_num_queries(len(few)):
        assert reprice(metal="gold", fineness=990, reason=PriceChange.Reason.METAL_PRICE) == 50
    assert PriceChange.objects.count() == 5 + 50  # the 5 were reset to no price, so they changed again
