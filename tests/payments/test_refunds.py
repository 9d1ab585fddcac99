"""Refunds go through the provider, then onto the order: full → refunded; partial → recorded."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.core.models import OutboxEvent
from auric.core.money import Money
from auric.orders.states import State
from auric.payments import services
from auric.payments.models import Refund
from auric.payments.webhooks import deliver_sandbox_callback

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(payment):
    deliver_sandbox_callback(payment=payment, status="succeeded")
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.order.state == State.PAID
    return payment


def refund(client, caller, order, amount, reason="尺寸不合 wrong size", **headers):
    return client.post(
        f"/api/v1/orders/{order.number}/refunds",
        data={"amount": amount, "reason": reason},
        content_type="application/json",
        headers={**caller.headers, **headers},
    )


def test_a_full_refund_goes_through_the_provider_and_refunds_the_order(client, cashier, paid):
    response = refund(client, cashier, paid.order, "12800.00")

    assert response.status_code == 201
    body = response.json()
    assert (body["amount"], body["state"]) == ("12800.00", "succeeded")
    assert body["provider_reference"].startswith("sbx_rf_")
    paid.order.refresh_from_db()
    assert paid.order.state == State.REFUNDED and paid.order.refunded_total == Decimal("12800.00")
    assert OutboxEvent.objects.filter(name="payments.RefundSucceeded").count() == 1


def test_a_partial_refund_is_recorded_and_the_order_stays_paid(client, cashier, paid):
    response = refund(client, cashier, paid.order, "800.00")

    assert response.status_code == 201
    paid.order.refresh_from_db()
    assert paid.order.state == State.PAID and paid.order.refunded_total == Decimal("800.00")
    assert OutboxEvent.objects.filter(name="orders.OrderRefunded", payload__number=paid.order.number).exists()


def test_refunds_never_exceed_what_was_paid(client, cashier, paid):
    refund(client, cashier, paid.order, "12000.00")

    response = refund(client, cashier, paid.order, "800.01")

    assert response.status_code == 409
    assert Refund.objects.filter(state=Refund.State.SUCCEEDED).count() == 1
    paid.order.refresh_from_db()
    assert paid.order.refunded_total == Decimal("12000.00")


def test_an_order_without_a_succeeded_payment_cannot_be_refunded(client, cashier, payment):
    response = refund(client, cashier, payment.order, "100.00")

    assert response.status_code == 409
    assert not Refund.objects.exists()


def test_refunding_needs_the_permission(client, shopper, paid):
    response = refund(client, shopper, paid.order, "100.00")

    assert response.status_code == 403
    assert not Refund.objects.exists()


def test_a_retried_refund_with_the_same_key_refunds_once(client, cashier, paid):
    first = refund(client, cashier, paid.order, "500.00", **{"Idempotency-Key": "rf-1"})
    second = refund(client, cashier, paid.order, "500.00", **{"Idempotency-Key": "rf-1"})

    assert first.json() == second.json()
    assert Refund.objects.count() == 1
    paid.order.refresh_from_db()
    assert paid.order.refunded_total == Decimal("500.00")


def test_refund_payment_refuses_another_currency_and_an_empty_reason(paid):
    from auric.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        services.refund_payment(order=paid.order, amount=Money("10.00", "USD"), reason="x")
    with pytest.raises(ValidationFailed):
        services.refund_payment(order=paid.order, amount=Money("10.00", "CNY"), reason="  ")
    assert not Refund.objects.exists()
