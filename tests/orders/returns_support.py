"""Helpers for the returns and completion tests: orders placed through checkout, paid through the
sandbox provider (so refunds have a payment to go back through), shipped or made ready for pickup."""

from __future__ import annotations

import secrets

import pytest

from auric.orders.models import Order
from auric.orders.services import move_order, place_order
from auric.orders.states import State
from auric.payments.services import start_payment
from auric.payments.webhooks import deliver_sandbox_callback


@pytest.fixture
def sandbox(settings) -> None:
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = secrets.token_hex(32)


def paid_order(cart, user, delivery) -> Order:
    order = place_order(cart=cart, user=user, delivery=delivery, customised_confirmed=True)
    deliver_sandbox_callback(payment=start_payment(order=order, provider="sandbox"), status="succeeded")
    order.refresh_from_db()
    assert order.state == State.PAID
    return move_order(order=order, to=State.PROCESSING)


def shipped(order: Order) -> Order:
    return move_order(order=order, to=State.SHIPPED, carrier="SF", tracking_number="SF100")


def ready_for_pickup(order: Order) -> Order:
    return move_order(order=order, to=State.READY_FOR_PICKUP)
