"""Fixtures for the payments tests: a shopper with an order waiting for payment, tokens and a fresh
sandbox secret per test."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.utils import timezone

from auric.accounts.models import User
from auric.accounts.services import issue_api_token
from auric.orders.models import Order
from auric.orders.services import new_order_number
from auric.payments.models import Payment
from auric.payments.providers import sandbox
from auric.risk.models import Decision, Outcome, Subject
from auric.risk.services import active_rule_set
from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def keep_test_connection() -> Iterator[None]:
    """In-process requests would close the test's own connection on PostgreSQL; keep it open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def sandbox_secret(settings) -> str:
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = secrets.token_hex(32)
    return settings.AURIC_SANDBOX_PAYMENTS_SECRET


@dataclass
class Caller:
    user: User
    secret: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}"}


def make_caller(username: str, *, permissions: tuple[str, ...] = (), is_staff: bool = False) -> Caller:
    user = UserFactory(username=username, is_staff=is_staff)
    for name in permissions:
        app_label, codename = name.split(".")
        user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    issued = issue_api_token(user=user, name=f"{username} app")
    return Caller(user=User.objects.get(pk=user.pk), secret=issued.secret)


@pytest.fixture
def shopper(db) -> Caller:
    return make_caller("shopper")


@pytest.fixture
def stranger(db) -> Caller:
    return make_caller("stranger")


@pytest.fixture
def cashier(db) -> Caller:
    return make_caller("cashier", permissions=("payments.add_refund",), is_staff=True)


def make_order(user: User, total: str = "12800.00", *, screened: bool = True, **fields) -> Order:
    """An order written directly. `screened`: as if the risk engine let it through at placement, so
    that paying it tests the payment rules alone (an unscreened order is screened when its payment
    starts, tests/risk/test_screened_before_payment.py)."""
    defaults = {
        "number": new_order_number(),
        "user": user,
        "subtotal": Decimal(total),
        "total": Decimal(total),
        "delivery_method": Order.Delivery.PICKUP,
        "pay_by": timezone.now() + timedelta(minutes=30),
    }
    order = Order.objects.create(**{**defaults, **fields})
    if screened:
        Decision.objects.create(
            subject=Subject.ORDER,
            order=order,
            user=user,
            rule_set=active_rule_set(),
            score=0,
            outcome=Outcome.ALLOW,
            reasons=["Screened at placement (test)."],
            amount=order.total,
            currency=order.currency,
        )
    return order


@pytest.fixture
def order(shopper) -> Order:
    return make_order(shopper.user)


@pytest.fixture
def client() -> Client:
    return Client()


@pytest.fixture
def payment(order) -> Payment:
    from auric.payments.services import start_payment

    return start_payment(order=order, provider="sandbox")


def callback_body(payment: Payment, status: str = "succeeded", **overrides) -> bytes:
    body = {
        "event_id": f"evt_{secrets.token_hex(8)}",
        "payment_id": str(payment.pk),
        "status": status,
        "amount": format(payment.amount, "f"),
        "currency": payment.currency,
        "occurred_at": timezone.now().isoformat(),
        **overrides,
    }
    return json.dumps(body).encode()


def post_callback(client: Client, raw: bytes, *, signature: str | None = None, timestamp: int | None = None):
    header = signature if signature is not None else sandbox.sign(raw, timestamp=timestamp or int(time.time()))
    return client.post(
        "/api/v1/payments/sandbox/webhook",
        data=raw,
        content_type="application/json",
        headers={sandbox.SIGNATURE_HEADER: header},
    )
