"""set_metal_price and metal_price_on: the daily price book."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry
from auric.pricing.models import MetalPrice, PriceChange
from auric.pricing.services import metal_price_on, set_metal_price
from tests.factories import MetalPriceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_setting_a_price_records_it_with_source_and_who_entered_it(staff):
    row = set_metal_price(
        metal="gold", fineness=990, on_date=timezone.localdate(), price_per_gram=D("780.50"), actor=staff
    )
    assert (row.metal, row.fineness, row.price_per_gram, row.currency) == ("gold", 990, D("780.50"), "CNY")
    assert row.source == MetalPrice.Source.OPERATOR
    assert row.entered_by == staff
    audit = AuditEntry.objects.get(action="pricing.set_metal_price")
    assert audit.before is None and audit.after["price_per_gram"] == "780.50"


def test_setting_the_same_day_again_updates_the_row_and_audits_before_and_after(staff):
    day = timezone.localdate() - timedelta(days=1)
    set_metal_price(metal="gold", fineness=990, on_date=day, price_per_gram=D("780.00"), actor=staff)
    set_metal_price(metal="gold", fineness=990, on_date=day, price_per_gram="781.20", source="api", actor=staff)
    row = MetalPrice.objects.get()
    assert row.price_per_gram == D("781.20") and row.source == "api"
    update = AuditEntry.objects.filter(action="pricing.set_metal_price").order_by("id").last()
    assert update.before["price_per_gram"] == "780.00"
    assert update.after["price_per_gram"] == "781.20"
    assert update.actor == staff


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"metal": "gold", "fineness": 999}, "fineness"),  # 999 is not a GB 11887 mark
        ({"metal": "gold", "fineness": "千足金"}, "fineness"),  # abolished name
        ({"metal": "copper", "fineness": 990}, "metal"),
        ({"price_per_gram": D("-1.00")}, "price_per_gram"),
        ({"price_per_gram": D("0")}, "price_per_gram"),
        ({"price_per_gram": D("780.001")}, "price_per_gram"),
        ({"price_per_gram": D("NaN")}, "price_per_gram"),
        ({"price_per_gram": "7.8e2"}, "price_per_gram"),
        ({"price_per_gram": 780.5}, "price_per_gram"),  # a float
        ({"price_per_gram": D("100000.00")}, "price_per_gram"),  # sanity ceiling
        ({"currency": "XXY"}, "currency"),
        ({"source": "rumour"}, "source"),
    ],
)
def test_invalid_metal_prices_are_refused_and_change_nothing(kwargs, field):
    MetalPriceFactory(price_per_gram=D("780.00"))
    args = {"metal": "gold", "fineness": 990, "on_date": timezone.localdate(), "price_per_gram": D("790.00")}
    with pytest.raises(ValidationFailed) as caught:
        set_metal_price(**{**args, **kwargs})
    assert field in caught.value.errors
    assert list(MetalPrice.objects.values_list("price_per_gram", flat=True)) == [D("780.00")]
    assert not AuditEntry.objects.exists()


def test_a_date_more_than_a_day_ahead_is_refused():
    with pytest.raises(ValidationFailed) as caught:
        set_metal_price(
            metal="gold", fineness=990, on_date=timezone.localdate() + timedelta(days=2), price_per_gram=D("1")
        )
    assert "on_date" in caught.value.errors


def test_a_mark_name_is_accepted_as_fineness():
    row = set_metal_price(metal="platinum", fineness="Pt950", on_date=timezone.localdate(), price_per_gram="245.00")
    assert row.fineness == 950


def test_metal_price_on_returns_the_latest_on_or_before_the_day():
    today = timezone.localdate()
    MetalPriceFactory(on_date=today - timedelta(days=5), price_per_gram=D("700.00"))
    latest = MetalPriceFactory(on_date=today - timedelta(days=2), price_per_gram=D("720.00"))
    MetalPriceFactory(on_date=today + timedelta(days=1), price_per_gram=D("800.00"))
    assert metal_price_on(metal="gold", fineness=990, on_date=today) == latest
    assert metal_price_on(metal="gold", fineness=990, on_date=today - timedelta(days=6)) is None
    assert metal_price_on(metal="gold", fineness=750, on_date=today) is None


def test_todays_price_reprices_pieces_of_that_metal_and_fineness(make_gold_piece):
    piece = make_gold_piece("30.125")
    other = make_gold_piece("10.000")
    set_metal_price(metal="gold", fineness=990, on_date=timezone.localdate(), price_per_gram=D("780.00"))
    piece.refresh_from_db()
    other.refresh_from_db()
    assert piece.price == D("24100.00")
    assert other.price == D("8000.00")
    assert PriceChange.objects.get().reason == PriceChange.Reason.METAL_PRICE


def test_a_price_for_an_earlier_day_does_not_reprice_when_a_later_price_is_in_force(make_gold_piece):
    piece = make_gold_piece("1.000")
    set_metal_price(metal="gold", fineness=990, on_date=timezone.localdate(), price_per_gram=D("780.00"))
    piece.refresh_from_db()
    priced = piece.price
    assert priced == D("800.00")
    set_metal_price(
        metal="gold", fineness=990, on_date=timezone.localdate() - timedelta(days=1), price_per_gram=D("500.00")
    )
    piece.refresh_from_db()
    assert piece.price == priced


def test_a_price_of_another_fineness_leaves_pieces_alone(make_gold_piece):
    piece = make_gold_piece()
    set_metal_price(metal="gold", fineness=750, on_date=timezone.localdate(), price_per_gram=D("590.00"))
    piece.refresh_from_db()
    assert piece.price is None
