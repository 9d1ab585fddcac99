"""Payments API: starting a payment for one's own order, reading it, and the sandbox test hook."""

from __future__ import annotations

import pytest

from auric.orders.models import OrderTransition
from auric.orders.states import State
from auric.payments.models import Payment
from tests.payments.conftest import make_order

pytestmark = pytest.mark.django_db


def start(client, caller, order, **headers):
    return client.post(
        f"/api/v1/orders/{order.number}/payments",
        data={"provider": "sandbox"},
        content_type="application/json",
        headers={**caller.headers, **headers},
    )


def test_the_owner_starts_a_sandbox_payment_of_the_order_total(client, shopper, order):
    response = start(client, shopper, order)

    assert response.status_code == 201
    body = response.json()
    payment = Payment.objects.get()
    assert body["payment_id"] == str(payment.pk)
    assert body["redirect_url"] == f"/payments/sandbox/{payment.pk}/"
    assert (body["amount"], body["currency"], body["state"]) == ("12800.00", "CNY", "created")
    assert payment.provider_reference.startswith("sbx_")


def test_someone_elses_order_answers_404_and_creates_nothing(client, stranger, order):
    response = start(client, stranger, order)

    assert response.status_code == 404
    assert not Payment.objects.exists()


def test_an_anonymous_caller_is_refused(client, order):
    response = client.post(
        f"/api/v1/orders/{order.number}/payments", data={"provider": "sandbox"}, content_type="application/json"
    )

    assert response.status_code == 401


def test_an_order_that_is_not_pending_payment_answers_409(client, shopper):
    cancelled = make_order(shopper.user, state=State.CANCELLED)

    response = start(client, shopper, cancelled)

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/order_not_payable"


def test_an_unknown_provider_answers_422(client, shopper, order):
    response = client.post(
        f"/api/v1/orders/{order.number}/payments",
        data={"provider": "bitcoin"},
        content_type="application/json",
        headers=shopper.headers,
    )

    assert response.status_code == 422
    assert "provider" in response.json()["errors"]


def test_a_retried_start_with_the_same_idempotency_key_returns_the_same_payment(client, shopper, order):
    first = start(client, shopper, order, **{"Idempotency-Key": "pay-1"})
    second = start(client, shopper, order, **{"Idempotency-Key": "pay-1"})

    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1


def test_the_same_idempotency_key_for_another_order_is_refused(client, shopper, order):
    other = make_order(shopper.user)
    start(client, shopper, order, **{"Idempotency-Key": "pay-1"})

    response = start(client, shopper, other, **{"Idempotency-Key": "pay-1"})

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/idempotency_key_reused"
    assert Payment.objects.count() == 1


def test_the_owner_reads_a_payment_and_others_get_404(client, shopper, stranger, payment):
    mine = client.get(f"/api/v1/payments/{payment.pk}", headers=shopper.headers)
    theirs = client.get(f"/api/v1/payments/{payment.pk}", headers=stranger.headers)

    assert mine.status_code == 200 and mine.json()["order_number"] == payment.order.number
    assert theirs.status_code == 404


def test_the_complete_hook_sends_a_signed_callback_that_pays_the_order(client, payment):
    response = client.post(
        f"/api/v1/payments/sandbox/{payment.pk}/complete", data={"status": "succeeded"}, content_type="application/json"
    )

    assert response.status_code == 201
    assert response.json()["state"] == "succeeded" and response.json()["outcome"] == "applied"
    payment.order.refresh_from_db()
    assert payment.order.state == State.PAID
    assert payment.callbacks.get().signature_valid is True


def test_the_complete_hook_with_failed_leaves_the_order_unpaid(client, payment):
    response = client.post(
        f"/api/v1/payments/sandbox/{payment.pk}/complete", data={"status": "failed"}, content_type="application/json"
    )

    assert response.json()["state"] == "failed"
    payment.order.refresh_from_db()
    assert payment.order.state == State.PENDING_PAYMENT


def test_with_the_sandbox_disabled_the_hook_the_webhook_and_the_page_answer_404(client, settings, payment):
    settings.AURIC_SANDBOX_PAYMENTS = False

    hook = client.post(
        f"/api/v1/payments/sandbox/{payment.pk}/complete", data={"status": "succeeded"}, content_type="application/json"
    )
    webhook = client.post("/api/v1/payments/sandbox/webhook", data=b"{}", content_type="application/json")
    page = client.get(f"/payments/sandbox/{payment.pk}/")

    assert (hook.status_code, webhook.status_code, page.status_code) == (404, 404, 404)
    payment.order.refresh_from_db()
    assert payment.order.state == State.PENDING_PAYMENT
    assert not OrderTransition.objects.exists()


def test_with_the_sandbox_disabled_no_sandbox_payment_can_start(client, settings, shopper, order):
    settings.AURIC_SANDBOX_PAYMENTS = False

    response = start(client, shopper, order)

    assert response.status_code == 404
    assert not Payment.objects.exists()
