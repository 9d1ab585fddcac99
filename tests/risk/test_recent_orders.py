"""One read of the account's recent orders serves the address, velocity and value signals; an
account with more orders than one read holds falls back to the database and measures the same."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.risk import scoring, selectors
from tests.factories import UserFactory
from tests.risk.conftest import past_paid_order

pytestmark = pytest.mark.django_db
SIGNALS = ("address_changes", "distinct_addresses", "order_velocity", "value_vs_history")


def _observe(order, rules):
    reads = selectors.OrderReads.of(order, None)
    return {
        r.signal: selectors.observe_order(r, order=order, client=None, now=order.placed_at, reads=reads).value
        for r in rules
    }


def test_the_signals_measure_the_same_from_one_read_and_when_the_history_is_larger_than_a_read(monkeypatch):
    shopper = UserFactory(date_joined=timezone.now() - timedelta(days=400))
    # older history: a big paid order 200 days ago to address A, then address B before the window
    past_paid_order(shopper, total="60000.00", days_ago=200, fingerprint="A")
    past_paid_order(shopper, total="900.00", days_ago=3, fingerprint="B")
    # today: three orders to C, D, C
    for fingerprint in ("C", "D", "C"):
        past_paid_order(shopper, total="500.00", days_ago=0, fingerprint=fingerprint)
    subject = past_paid_order(shopper, total="30000.00", days_ago=0, fingerprint="E")
    subject.placed_at = timezone.now()
    rules = [r for r in scoring.default_rules() if r.signal in SIGNALS]

    whole = _observe(subject, rules)
    monkeypatch.setattr(selectors, "MAX_ROWS", 2)  # the read holds only the two most recent orders
    capped = _observe(subject, rules)

    assert whole == capped
    assert whole["address_changes"] == Decimal(4)  # B→C, C→D, D→C, C→E
    assert whole["distinct_addresses"] == Decimal(4)  # B, C, D, E in 30 days (A is 200 days old)
    assert whole["order_velocity"] == Decimal(4)
    assert whole["value_vs_history"] == Decimal("0.50")  # 30,000 against the 60,000 paid 200 days ago
