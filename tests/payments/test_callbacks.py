"""The sandbox webhook: signed, fresh, idempotent callbacks; anything untrusted changes nothing."""

from __future__ import annotations

import hashlib
import hmac
import time

import pytest

from auric.core.models import OutboxEvent
from auric.orders.models import OrderTransition
from auric.orders.states import State
from auric.payments.models import Payment, ProviderCallback
from auric.payments.providers import sandbox
from tests.payments.conftest import callback_body, post_callback

pytestmark = pytest.mark.django_db


def paid_transitions(order) -> int:
    return OrderTransition.objects.filter(order=order, to_state=State.PAID).count()


def test_a_signed_success_callback_marks_the_order_paid(client, payment):
    response = post_callback(client, callback_body(payment))

    assert response.status_code == 201
    assert response.json() == {"outcome": "applied", "duplicate": False}
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment.completed_at is not None
    assert payment.order.state == State.PAID and payment.order.paid_at is not None


def test_the_same_callback_replayed_ten_times_pays_the_order_once(client, payment):
    raw = callback_body(payment)

    responses = [post_callback(client, raw) for _ in range(10)]

    assert [r.status_code for r in responses] == [201] + [200] * 9
    assert [r.json()["duplicate"] for r in responses] == [False] + [True] * 9
    assert paid_transitions(payment.order) == 1
    assert OutboxEvent.objects.filter(name="orders.OrderPaid", payload__number=payment.order.number).count() == 1
    assert OutboxEvent.objects.filter(name="payments.PaymentSucceeded").count() == 1
    assert ProviderCallback.objects.filter(payment=payment).count() == 1


def test_a_late_failure_after_success_changes_nothing(client, payment):
    post_callback(client, callback_body(payment, "succeeded"))

    response = post_callback(client, callback_body(payment, "failed"))

    assert response.json() == {"outcome": "ignored", "duplicate": False}
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert payment.order.state == State.PAID and paid_transitions(payment.order) == 1


def test_a_failure_leaves_the_order_waiting_and_a_later_success_still_pays_it(client, payment):
    post_callback(client, callback_body(payment, "failed"))
    payment.order.refresh_from_db()
    assert payment.order.state == State.PENDING_PAYMENT

    post_callback(client, callback_body(payment, "succeeded"))

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED and payment.order.state == State.PAID


def test_an_abandoned_payment_is_recorded_and_the_order_stays_payable(client, payment):
    response = post_callback(client, callback_body(payment, "abandoned"))

    assert response.json()["outcome"] == "applied"
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == Payment.State.ABANDONED and payment.order.state == State.PENDING_PAYMENT


def assert_nothing_changed(payment) -> None:
    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == Payment.State.CREATED
    assert payment.order.state == State.PENDING_PAYMENT
    assert not OrderTransition.objects.filter(order=payment.order).exists()
    assert not OutboxEvent.objects.filter(name__in=["orders.OrderPaid", "payments.PaymentSucceeded"]).exists()


def test_a_wrong_signature_is_refused_and_changes_nothing(client, payment):
    raw = callback_body(payment)
    t = int(time.time())
    forged = hmac.new(b"not-the-secret", f"{t}.".encode() + raw, hashlib.sha256).hexdigest()

    response = post_callback(client, raw, signature=f"t={t},v1={forged}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/invalid_callback"
    assert_nothing_changed(payment)
    rejected = ProviderCallback.objects.get()
    assert rejected.signature_valid is False and rejected.outcome == "rejected" and rejected.payment is None


def test_a_tampered_body_is_refused(client, payment):
    raw = callback_body(payment)
    signature = sandbox.sign(raw)
    tampered = raw.replace(b'"12800.00"', b'"1.00"')
    assert tampered != raw

    response = post_callback(client, tampered, signature=signature)

    assert response.status_code == 400
    assert_nothing_changed(payment)


@pytest.mark.parametrize("age", [330, -330, 3600])
def test_a_timestamp_more_than_five_minutes_away_is_refused(client, payment, age):
    response = post_callback(client, callback_body(payment), timestamp=int(time.time()) - age)

    assert response.status_code == 400
    assert "timestamp" in response.json()["detail"]
    assert_nothing_changed(payment)


@pytest.mark.parametrize("header", ["", "v1=abc", "t=123", "garbage"])
def test_a_missing_or_malformed_signature_header_is_refused(client, payment, header):
    response = post_callback(client, callback_body(payment), signature=header)

    assert response.status_code == 400
    assert_nothing_changed(payment)


def test_a_signed_callback_for_an_unknown_payment_is_refused(client, payment):
    raw = callback_body(payment, payment_id="00000000-0000-4000-8000-000000000000")

    response = post_callback(client, raw)

    assert response.status_code == 404
    assert response.json()["type"] == "/problems/unknown_payment"
    assert_nothing_changed(payment)


def test_a_callback_with_another_amount_is_recorded_but_does_not_pay(client, payment):
    response = post_callback(client, callback_body(payment, amount="1.00"))

    assert response.json()["outcome"] == "amount_mismatch"
    assert_nothing_changed(payment)


def test_a_malformed_body_with_a_valid_signature_is_refused(client, payment):
    response = post_callback(client, b'{"status": "succeeded"')

    assert response.status_code == 400
    assert_nothing_changed(payment)


def test_an_unknown_provider_webhook_is_refused(client, payment):
    response = client.post("/api/v1/payments/nosuch/webhook", data=b"{}", content_type="application/json")

    assert response.status_code == 422
    assert_nothing_changed(payment)


def test_a_success_for_an_order_cancelled_meanwhile_is_flagged_for_a_refund(client, payment):
    from auric.orders.services import move_order

    move_order(order=payment.order, to=State.CANCELLED)

    response = post_callback(client, callback_body(payment))

    assert response.json()["outcome"] == "needs_attention"
    payment.refresh_from_db()
    assert payment.state == Payment.State.SUCCEEDED
    assert OutboxEvent.objects.filter(name="payments.PaymentNeedsAttention").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_callback_delivered_concurrently_pays_once(payment):
    import threading

    from django.db import connection

    from auric.payments.webhooks import receive

    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database")
    raw = callback_body(payment)
    headers = {sandbox.SIGNATURE_HEADER: sandbox.sign(raw)}
    barrier = threading.Barrier(5)
    duplicates: list[bool] = []

    def deliver() -> None:
        try:
            barrier.wait()
            duplicates.append(receive(provider="sandbox", headers=headers, raw_body=raw).duplicate)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert sorted(duplicates) == [False, True, True, True, True]
    assert paid_transitions(payment.order) == 1
    assert OutboxEvent.objects.filter(name="orders.OrderPaid").count() == 1
