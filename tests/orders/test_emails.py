"""Order e-mails: one mail per event, sent by the outbox handlers, never twice for one event."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail

from auric.checkout.shipping import DeliveryChoice
from auric.core import events
from auric.core.models import OutboxEvent
from auric.core.money import Money
from auric.orders.services import mark_paid, move_order, place_order, record_refund
from auric.orders.states import State

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(shopper):
    shopper.email = "zhang.san@example.com"
    shopper.save(update_fields=["email"])
    return shopper


def placed(customer, piece, cart_of, delivery, capture):
    with capture(execute=True):
        return place_order(cart=cart_of(customer, piece), user=customer, delivery=delivery)


def paid(order, capture):
    with capture(execute=True):
        return mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))


def test_placing_an_order_mails_the_shopper_in_chinese_and_english(
    customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks
):
    order = placed(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["zhang.san@example.com"]
    assert order.number in message.subject and "订单已提交" in message.subject
    assert "已提交" in message.body and "has been placed" in message.body
    html = message.alternatives[0][0]
    assert order.number in html and "<html" in html


def test_paying_mails_a_payment_confirmation(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks):
    order = placed(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks)

    paid(order, django_capture_on_commit_callbacks)

    assert [m.subject.split()[0] for m in mail.outbox] == ["订单已提交", "付款成功"]


def test_shipping_mails_the_carrier_and_tracking_number(
    customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks
):
    order = paid(
        placed(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move_order(order=order, to=State.PROCESSING)
        move_order(order=order, to=State.SHIPPED, carrier="顺丰 SF Express", tracking_number="SF1234567890")

    assert len(mail.outbox) == 1
    assert "SF1234567890" in mail.outbox[0].body and "顺丰 SF Express" in mail.outbox[0].body
    assert "已发货" in mail.outbox[0].subject


def test_ready_for_pickup_mails_the_pickup_code_and_store_address(
    customer, fixed_piece, store, cart_of, django_capture_on_commit_callbacks
):
    order = placed(customer, fixed_piece, cart_of, DeliveryChoice.pickup(store.pk), django_capture_on_commit_callbacks)
    order = paid(order, django_capture_on_commit_callbacks)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move_order(order=order, to=State.PROCESSING)
        move_order(order=order, to=State.READY_FOR_PICKUP)

    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert order.pickup_code in body and store.address in body
    assert "取货码" in body and "Pickup code" in body


def test_a_partial_refund_mails_the_amount(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks):
    order = paid(
        placed(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks),
        django_capture_on_commit_callbacks,
    )
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        record_refund(order=order, amount=Money(Decimal("500.00"), "CNY"), reference="sbx:rf_1")

    assert len(mail.outbox) == 1
    assert "500.00 CNY" in mail.outbox[0].body and "退款" in mail.outbox[0].subject


def test_a_redelivered_event_sends_nothing_twice(
    customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks
):
    order = placed(customer, gold_piece, cart_of, ship, django_capture_on_commit_callbacks)
    event = OutboxEvent.objects.get(name="orders.OrderPlaced", payload__number=order.number)
    assert len(mail.outbox) == 1

    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)  # as if the dispatcher died after sending
    events.dispatch(event.pk)
    events.drain_outbox()

    assert len(mail.outbox) == 1


def test_a_shopper_without_an_email_gets_no_mail_and_the_handler_succeeds(
    shopper, gold_piece, cart_of, ship, django_capture_on_commit_callbacks, caplog
):
    shopper.email = ""
    shopper.save(update_fields=["email"])

    with caplog.at_level("INFO", logger="auric.orders.emails"):
        order = placed(shopper, gold_piece, cart_of, ship, django_capture_on_commit_callbacks)

    assert mail.outbox == []
    assert "no e-mail address" in caplog.text
    assert OutboxEvent.objects.get(name="orders.OrderPlaced", payload__number=order.number).dispatched_at is not None
