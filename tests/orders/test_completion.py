"""Completion (R2): delivered / picked-up orders complete once their return window closed, unless a
return is open."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command

from auric.core.models import OutboxEvent
from auric.orders import returns
from auric.orders.states import State
from tests.orders.returns_support import paid_order, sandbox, shipped  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


@pytest.fixture
def delivered(shopper, gold_piece, fixed_piece, cart_of, ship):
    return returns.mark_delivered(order=shipped(paid_order(cart_of(shopper, gold_piece, fixed_piece), shopper, ship)))


def test_an_order_completes_only_after_its_window_closed(delivered):
    ends = delivered.return_window_ends_at

    assert returns.complete_due_orders(now=ends - timedelta(seconds=1)) == 0
    assert returns.complete_due_orders(now=ends) == 1

    delivered.refresh_from_db()
    assert delivered.state == State.COMPLETED and delivered.closed_at == ends
    assert OutboxEvent.objects.filter(name="orders.OrderCompleted", payload__number=delivered.number).count() == 1


def test_an_order_with_an_open_return_is_not_completed(delivered, gold_piece):
    line = delivered.lines.get(piece=gold_piece)
    request = returns.request_return(order=delivered, lines=[(line.pk, "no_reason")], actor=delivered.user)
    after = delivered.return_window_ends_at + timedelta(days=1)

    assert returns.complete_due_orders(now=after) == 0
    returns.reject_return(return_request=request, actor="staff", reason="worn")
    assert returns.complete_due_orders(now=after) == 1


def test_orders_not_yet_delivered_are_left_alone(shopper, gold_piece, cart_of, ship):
    order = shipped(paid_order(cart_of(shopper, gold_piece), shopper, ship))

    call_command("complete_orders")

    order.refresh_from_db()
    assert order.state == State.SHIPPED
