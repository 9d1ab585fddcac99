"""The issue's scenarios, end to end through order placement: the outbox delivers orders.OrderPlaced
right after commit (as in a checkout request) and the risk engine acts through the order services."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auric.core.errors import DomainError
from auric.orders.services import OrderHeld, _address_fingerprint, move_order
from auric.orders.states import State
from auric.payments.services import start_payment
from auric.risk.context import device_hash
from auric.risk.models import Decision, DeviceSighting, Outcome, ReviewCase, RuleSet
from tests.factories import UserFactory
from tests.risk.conftest import HOME_DEVICE, SHANGHAI_IP, address, client_at, past_paid_order

pytestmark = pytest.mark.django_db


def test_a_normal_repeat_customer_passes(regular, gold_piece, place):
    # given a customer of 400 days who paid for similar orders to the same address from this phone
    home = _address_fingerprint(address("南京东路 100 号"))
    past_paid_order(regular, total="8000.00", days_ago=40, fingerprint=home)
    past_paid_order(regular, total="7600.00", days_ago=120, fingerprint=home)
    DeviceSighting.objects.create(device=device_hash(HOME_DEVICE), user=regular)

    # when they order an 8,000 yuan bangle to the same address, from Shanghai, on the same phone
    order = place(regular, gold_piece, client=client_at(SHANGHAI_IP, HOME_DEVICE))

    # then it is allowed: nothing fired, no hold, no forced step-up, and the payment can start
    decision = Decision.objects.get(order=order)
    assert (decision.outcome, decision.score) == (Outcome.ALLOW, 0)
    assert decision.reasons == ["No signal fired."]
    assert not order.held_for_review and not order.payment_step_up_required
    assert start_payment(order=order, provider="sandbox").order_id == order.pk


def test_four_address_changes_in_a_day_and_a_150000_order_from_a_new_device_is_held(store, piece_at, place):
    # given an account of 90 days that paid 3,000 yuan to its usual address two months ago
    shopper = UserFactory(username="hasty", date_joined=timezone.now() - timedelta(days=90))
    past_paid_order(shopper, total="3000.00", days_ago=60, fingerprint=_address_fingerprint(address("南京东路 100 号")))
    DeviceSighting.objects.create(device=device_hash(HOME_DEVICE), user=shopper)
    # ... that today sent three small orders to three other addresses
    for street in ("淮海中路 1 号", "淮海中路 2 号", "淮海中路 3 号"):
        place(shopper, piece_at("300.00"), street=street)

    # when it orders a 150,000 yuan piece to a fourth new address from a device never seen before
    order = place(
        shopper, piece_at("150000.00"), street="延安西路 9 号", client=client_at(device="new-phone-fedcba987654")
    )

    # then the order is held for review, with a case in the queue
    decision = Decision.objects.get(order=order)
    assert decision.outcome == Outcome.HOLD
    assert order.held_for_review and order.state == State.PENDING_PAYMENT
    assert ReviewCase.objects.get(order=order).state == ReviewCase.State.OPEN
    # ... explained signal by signal
    fired = {s["signal"]: s for s in decision.signals if s["fired"]}
    assert set(fired) == {"address_changes", "distinct_addresses", "new_device", "order_velocity", "value_vs_history"}
    assert fired["address_changes"]["value"] == "4" and fired["address_changes"]["points"] == 30
    assert fired["value_vs_history"]["value"] == "15"  # 150,000 ÷ the 10,000 baseline (3,000 paid is less)
    assert decision.score == 30 + 15 + 10 + 15 + 20
    assert "Shipping-address changes: 4 address changes in 1 day (≥ 3) → +30" in decision.reasons
    assert "risk score 90" in order.hold_reason
    # ... and the shopper cannot pay it, nor can it be fulfilled
    with pytest.raises(OrderHeld) as refused:
        start_payment(order=order, provider="sandbox")
    assert refused.value.status == 409 and refused.value.code == "order_held"
    with pytest.raises(DomainError):
        move_order(order=order, to=State.PROCESSING)


def test_a_decision_records_the_rule_version_and_every_signal(regular, gold_piece, place):
    # given a second rule-set version that weighs a new device heavily
    from auric.risk import services

    v1 = RuleSet.objects.get(is_active=True)
    rules = [
        services.RuleSpec(r.signal, 45 if r.signal == "new_device" else r.weight, r.threshold, r.window_days)
        for r in v1.rules.all()
    ]
    v2 = services.publish_rule_set(rules=rules, step_up_at=40, hold_at=60, block_at=150, note="phones")

    # when a known customer orders from an unknown device
    order = place(regular, gold_piece, client=client_at(device="borrowed-phone-000111222"))

    # then the decision names v2, lists every order signal with value, weight and points, and keeps
    # only the network, region, device hash and user agent of the client
    decision = Decision.objects.get(order=order)
    assert decision.rule_set == v2 and v2.version == v1.version + 1
    assert decision.outcome == Outcome.STEP_UP and decision.score == 45
    by_signal = {s["signal"]: s for s in decision.signals}
    assert by_signal["new_device"] == {
        "signal": "new_device",
        "label": "New device",
        "value": "1",
        "threshold": "1",
        "window_days": 0,
        "weight": 45,
        "fired": True,
        "points": 45,
        "detail": "first time on this device",
    }
    assert len(decision.signals) == 10  # every order signal, fired or not
    assert decision.reasons == ["New device: first time on this device (≥ 1) → +45"]
    assert decision.client == {
        "ip_network": "202.96.209.0/24",
        "ip_region": "中国 上海 上海市",
        "device": device_hash("borrowed-phone-000111222"),
        "user_agent": "Mozilla/5.0 (iPhone)",
    }
    assert SHANGHAI_IP not in str(decision.client)
