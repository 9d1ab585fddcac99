"""Paying, cancelling, expiring and refunding orders; every move through move_order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from auric.core import events
from auric.core.errors import Conflict
from auric.core.models import OutboxEvent
from auric.core.money import Money
from auric.inventory.models import PieceStatus, PieceStock, Reservation
from auric.orders.models import OrderTransition
from auric.orders.services import (
    IllegalTransition,
    PaymentMismatch,
    RefundNotAllowed,
    cancel_order,
    expire_unpaid_orders,
    mark_paid,
    move_order,
    place_order,
    record_refund,
)
from auric.orders.states import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(shopper, gold_piece, fixed_piece, cart_of, ship):
    return place_order(cart=cart_of(shopper, gold_piece, fixed_piece), user=shopper, delivery=ship)


def test_paying_sells_the_pieces_and_moves_the_order_to_paid(order, gold_piece):
    mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    order.refresh_from_db()
    assert order.state == State.PAID and order.paid_at is not None
    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.SOLD
    assert OutboxEvent.objects.filter(name="orders.OrderPaid", payload__number=order.number).count() == 1


def test_the_same_payment_twice_pays_once(order):
    mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    again = mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    assert again.state == State.PAID
    assert OrderTransition.objects.filter(order=order, to_state=State.PAID).count() == 1
    with pytest.raises(IllegalTransition):
        mark_paid(order=order, payment_reference="pay_2", amount=Money(order.total, "CNY"))


@pytest.mark.parametrize("amount", [Money(Decimal("1.00"), "CNY"), None])
def test_a_wrong_amount_or_currency_is_refused_and_changes_nothing(order, amount):
    amount = amount or Money(order.total, "USD")
    with pytest.raises(PaymentMismatch):
        mark_paid(order=order, payment_reference="pay_1", amount=amount)
    order.refresh_from_db()
    assert order.state == State.PENDING_PAYMENT


def test_cancelling_releases_the_stock(order, gold_piece):
    cancel_order(order=order, reason="changed my mind")
    order.refresh_from_db()
    assert order.state == State.CANCELLED and order.closed_at is not None
    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.AVAILABLE
    assert not Reservation.objects.filter(reference=order.number, state=Reservation.State.ACTIVE).exists()


def test_a_paid_order_cannot_be_cancelled_by_cancel_order(order):
    mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    with pytest.raises(IllegalTransition):
        cancel_order(order=order)


def test_the_expiry_job_cancels_unpaid_orders_past_pay_by_and_releases_stock(order, gold_piece, fixed_piece):
    assert expire_unpaid_orders(now=timezone.now()) == 0
    assert expire_unpaid_orders(now=order.pay_by + timedelta(seconds=1)) == 1
    order.refresh_from_db()
    assert order.state == State.CANCELLED
    assert set(PieceStock.objects.filter(piece__in=[gold_piece, fixed_piece]).values_list("status", flat=True)) == {
        PieceStatus.AVAILABLE
    }


def test_the_expiry_command_runs_the_job(order, capsys):
    from auric.orders.models import Order

    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - timedelta(minutes=1))
    call_command("expire_unpaid_orders")
    order.refresh_from_db()
    assert order.state == State.CANCELLED and "1 unpaid order" in capsys.readouterr().out


def test_partial_refunds_add_up_and_a_full_refund_moves_to_refunded(order):
    mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    line = order.lines.get(unit_price=Decimal("300.00"))
    record_refund(
        order=order,
        amount=Money(Decimal("300.00"), "CNY"),
        reference="r1",
        line_amounts={line.pk: Money(Decimal("300.00"), "CNY")},
    )
    order.refresh_from_db()
    line.refresh_from_db()
    assert order.state == State.PAID and order.refunded_total == Decimal("300.00")
    assert line.refunded_amount == Decimal("300.00")
    assert OutboxEvent.objects.filter(name="orders.OrderRefunded", payload__partial=True).count() == 1
    with pytest.raises(RefundNotAllowed):
        record_refund(order=order, amount=Money(order.total, "CNY"), reference="r2")
    record_refund(order=order, amount=Money(order.total - Decimal("300.00"), "CNY"), reference="r3")
    order.refresh_from_db()
    assert order.state == State.REFUNDED and order.refunded_total == order.total


def test_nothing_can_be_refunded_before_payment(order):
    with pytest.raises(Conflict):
        record_refund(order=order, amount=Money(Decimal("1.00"), "CNY"), reference="r1")


def test_move_order_still_guards_every_other_step(order):
    mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))
    move_order(order=order, to=State.PROCESSING)
    with pytest.raises(IllegalTransition):
        move_order(order=order, to=State.PICKED_UP)


@pytest.mark.django_db(transaction=True)
def test_events_of_an_order_committed_but_never_dispatched_are_delivered_once_per_handler(
    shopper, gold_piece, cart_of, ship
):
    seen: list[str] = []

    def on_placed(event):
        seen.append(event.payload["number"])

    events.handles("orders.OrderPlaced")(on_placed)
    try:
        # The process "dies" after commit: nothing is dispatched on commit.
        with override_settings(AURIC_DISPATCH_EVENTS_ON_COMMIT=False):
            order = place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=ship)
        assert seen == []
        # After restart the outbox is drained (twice, as a retrying worker would).
        events.drain_outbox()
        events.drain_outbox()
        assert seen == [order.number]
    finally:
        events.unregister("orders.OrderPlaced", on_placed)
