"""The neutral hold of the orders app: a held order cannot be paid or shipped until released."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auric.accounts import roles
from auric.accounts.services import issue_api_token
from auric.inventory.models import Reservation
from auric.orders.models import Order
from auric.orders.services import OrderHeld, hold_order, mark_paid, move_order, release_hold
from auric.orders.states import State
from auric.payments.services import start_payment
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid(regular, gold_piece, place) -> Order:
    return place(regular, gold_piece)


def test_a_held_order_cannot_be_paid_through_the_api(regular, unpaid):
    # given a held order
    hold_order(order=unpaid, reason="manual check", actor="test")
    token = issue_api_token(user=regular, name="app").secret

    # when its owner starts a payment
    response = Client().post(
        f"/api/v1/orders/{unpaid.number}/payments",
        data={"provider": "sandbox"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )

    # then 409 problem+json order_held says why, and no payment exists
    assert response.status_code == 409
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/order_held" and "being reviewed" in body["detail"]
    assert not unpaid.payments.exists()


def test_a_hold_keeps_the_unpaid_order_and_its_piece_for_the_review(unpaid):
    # when an order is held with a review window of a day
    until = timezone.now() + timedelta(hours=24)
    hold_order(order=unpaid, reason="check", review_until=until)

    # then neither the order nor its reservation expires before the window ends
    unpaid.refresh_from_db()
    reservation = Reservation.objects.get(reference=unpaid.number)
    assert unpaid.pay_by == until and reservation.expires_at == until


def test_releasing_the_hold_gives_a_fresh_payment_window_and_payment_works(unpaid, settings):
    hold_order(order=unpaid, reason="check")
    Order.objects.filter(pk=unpaid.pk).update(pay_by=timezone.now() + timedelta(minutes=1))

    # when the hold is released
    release_hold(order=unpaid, actor="reviewer", note="called the shopper")

    # then the order may be paid within a full payment window
    unpaid.refresh_from_db()
    assert not unpaid.held_for_review and unpaid.hold_released_at is not None
    assert unpaid.pay_by > timezone.now() + timedelta(minutes=settings.AURIC_UNPAID_ORDER_MINUTES - 1)
    assert start_payment(order=unpaid, provider="sandbox").amount == unpaid.total


def test_a_held_paid_order_cannot_be_processed_or_shipped(unpaid):
    # given a paid order held afterwards (a late decision)
    from auric.core.money import Money

    mark_paid(order=unpaid, payment_reference="pay-1", amount=Money(unpaid.total, unpaid.currency))
    hold_order(order=unpaid, reason="late review")

    # then fulfilment is refused: processing, and shipping an order already being packed
    with pytest.raises(OrderHeld):
        move_order(order=unpaid, to=State.PROCESSING)
    unpaid.refresh_from_db()
    assert unpaid.state == State.PAID
    Order.objects.filter(pk=unpaid.pk).update(state=State.PROCESSING)
    unpaid.refresh_from_db()
    with pytest.raises(OrderHeld):
        move_order(order=unpaid, to=State.SHIPPED, carrier="SF", tracking_number="SF1")
    unpaid.refresh_from_db()
    assert unpaid.state == State.PROCESSING and unpaid.tracking_number == ""


def test_the_back_office_refuses_to_ship_a_held_order(unpaid):
    # given a paid, held order and an operator
    from auric.core.money import Money

    mark_paid(order=unpaid, payment_reference="pay-2", amount=Money(unpaid.total, unpaid.currency))
    hold_order(order=unpaid, reason="review")
    roles.ensure_roles()
    operator = UserFactory(username="op", is_staff=True)
    operator.groups.add(Group.objects.get(name=roles.OPERATOR))
    client = Client()
    client.force_login(operator)

    # when the operator tries to ship it
    page = client.get(reverse("admin:orders_order_change", args=[unpaid.pk]))
    response = client.post(
        reverse("admin:orders_order_ship", args=[unpaid.pk]),
        {"carrier": "SF", "tracking_number": "SF123"},
        follow=True,
    )

    # then no ship form is offered, the attempt is refused with the reason, and the order stays paid
    assert page.context["can_ship"] is False
    assert "held for review" in response.content.decode()
    unpaid.refresh_from_db()
    assert unpaid.state == State.PAID and unpaid.tracking_number == ""


def test_a_hold_needs_a_reason_and_cannot_come_after_shipping(unpaid):
    from auric.core.errors import ValidationFailed
    from auric.orders.services import IllegalTransition

    with pytest.raises(ValidationFailed):
        hold_order(order=unpaid, reason="  ")
    Order.objects.filter(pk=unpaid.pk).update(state=State.SHIPPED)
    with pytest.raises(IllegalTransition):
        hold_order(order=unpaid, reason="too late")
