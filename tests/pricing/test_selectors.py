"""Read queries: price history for charts, today's prices, a style's price log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import ValidationFailed
from auric.pricing.models import PriceChange
from auric.pricing.selectors import price_changes_for_style, price_history, today_prices
from tests.factories import MetalPriceFactory, StyleFactory

pytestmark = pytest.mark.django_db
D = Decimal


def test_price_history_lists_the_last_days_oldest_first(django_assert_num_queries):
    today = timezone.localdate()
    for back in (0, 1, 2, 40):
        MetalPriceFactory(on_date=today - timedelta(days=back), price_per_gram=D(700 + back))
    MetalPriceFactory(on_date=today, fineness=750)
    with django_assert_num_queries(1):
        points = price_history(metal="gold", fineness=990, days=30)
    assert [p.on_date for p in points] == [today - timedelta(days=2), today - timedelta(days=1), today]
    assert points[-1].price_per_gram.amount == D("700")


def test_price_history_refuses_an_unreasonable_span():
    with pytest.raises(ValidationFailed):
        price_history(metal="gold", fineness=990, days=0)


def test_today_prices_gives_the_latest_per_mark_in_gb_order(django_assert_num_queries):
    today = timezone.localdate()
    MetalPriceFactory(metal="platinum", fineness=950, on_date=today - timedelta(days=2), price_per_gram=D("240"))
    MetalPriceFactory(on_date=today - timedelta(days=1), price_per_gram=D("770"))
    MetalPriceFactory(on_date=today, price_per_gram=D("780"))
    MetalPriceFactory(fineness=750, on_date=today, price_per_gram=D("590"))
    with django_assert_num_queries(2):
        prices = today_prices()
    assert [(p.mark.mark, p.price_per_gram.amount, p.is_today) for p in prices] == [
        ("18K", D("590"), True),
        ("足金", D("780"), True),
        ("Pt950", D("240"), False),
    ]


def test_price_changes_for_style_are_newest_first_and_limited():
    style = StyleFactory()
    now = timezone.now()
    for n in range(5):
        PriceChange.objects.create(
            style=style, at=now - timedelta(days=n), old_amount=D(n), new_amount=D(n + 1), reason="metal_price"
        )
    changes = price_changes_for_style(style=style, limit=3)
    assert [c.old_amount for c in changes] == [D(0), D(1), D(2)]
