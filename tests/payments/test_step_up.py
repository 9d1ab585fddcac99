"""A high-value payment needs a fresh step-up bound to exactly that payment (COMPLIANCE D2)."""

from __future__ import annotations

import time

import pyotp
import pytest

from auric.accounts import identity, totp
from auric.payments.models import Payment
from tests.payments.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def authenticator(shopper) -> pyotp.TOTP:
    """The shopper's authenticator app, enrolled with the previous step's code."""
    enrolment = totp.begin_totp_enrolment(user=shopper.user)
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm_totp_enrolment(user=shopper.user, code=app.at(time.time() - 30))
    # A payment at the threshold is also a large transaction of the day (D4): identity verified once.
    identity.verify_identity(user=shopper.user, name="林小梅", id_number="11010519491231002X")
    return app


def start(client, caller, order):
    return client.post(
        f"/api/v1/orders/{order.number}/payments",
        data={"provider": "sandbox"},
        content_type="application/json",
        headers=caller.headers,
    )


def step_up(client, caller, binding: dict, code: str) -> int:
    begun = client.post(
        "/api/v1/auth/step-up/begin",
        data={"purpose": "payment", "binding": binding},
        content_type="application/json",
        headers=caller.headers,
    )
    assert begun.status_code == 201, begun.content
    done = client.post(
        "/api/v1/auth/step-up/complete",
        data={"challenge_id": begun.json()["challenge_id"], "totp_code": code},
        content_type="application/json",
        headers=caller.headers,
    )
    return done.status_code


def test_D2_a_payment_at_the_threshold_is_refused_without_step_up_and_says_how(client, shopper, authenticator):
    order = make_order(shopper.user, total="100000.00")

    response = start(client, shopper, order)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/step_up_required"
    assert set(problem["methods"]) == {"passkey", "totp"}  # TOTP is always offered
    assert problem["binding"] == {
        "order_number": order.number,
        "amount": "100000",  # canonical: 100000 and 100000.00 are one amount
        "currency": "CNY",
        "payee": "Auric (sandbox)",
    }
    assert problem["begin"]["href"] == "/api/v1/auth/step-up/begin"
    assert not Payment.objects.exists()


def test_D2_after_stepping_up_for_this_payment_it_is_created(client, shopper, authenticator):
    order = make_order(shopper.user, total="150000.00")
    binding = start(client, shopper, order).json()["binding"]

    assert step_up(client, shopper, binding, authenticator.now()) == 201
    response = start(client, shopper, order)

    assert response.status_code == 201
    assert Payment.objects.get().amount == order.total


def test_D2_a_step_up_for_another_order_does_not_pay_this_one(client, shopper, authenticator):
    first = make_order(shopper.user, total="150000.00")
    second = make_order(shopper.user, total="150000.00")
    binding = start(client, shopper, first).json()["binding"]
    assert step_up(client, shopper, binding, authenticator.now()) == 201

    response = start(client, shopper, second)

    assert response.status_code == 403
    assert response.json()["type"] == "/problems/step_up_required"
    assert not Payment.objects.filter(order=second).exists()


def test_D2_a_step_up_is_void_once_the_order_total_changed(client, shopper, authenticator):
    order = make_order(shopper.user, total="150000.00")
    binding = start(client, shopper, order).json()["binding"]
    assert step_up(client, shopper, binding, authenticator.now()) == 201
    order.total = order.subtotal = order.total + 1  # e.g. repriced after the price lock ran out
    order.save(update_fields=["total", "subtotal"])

    response = start(client, shopper, order)

    assert response.status_code == 403
    assert response.json()["binding"]["amount"] == "150001"


def test_a_payment_below_the_threshold_needs_no_step_up(client, shopper):
    order = make_order(shopper.user, total="99999.99")

    assert start(client, shopper, order).status_code == 201
