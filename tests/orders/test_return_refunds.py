"""Refunding a return: the refund, the order's refunded total, each line's refunded amount and the
return's state are written in ONE transaction after the provider answered; a process that dies
around the provider call leaves a pending refund that a retry resumes — the money is neither lost
nor given back twice."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.core.models import OutboxEvent
from auric.core.money import Money
from auric.orders import returns
from auric.orders.models import ReturnRequest
from auric.orders.states import State
from auric.payments import events as payment_events
from auric.payments.models import Refund
from auric.payments.providers.base import RefundResult
from auric.payments.services import RefundRefused
from tests.factories import UserFactory
from tests.orders.returns_support import paid_order, sandbox, shipped  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


class ProcessDied(BaseException):
    """Stands for the process being killed: nothing in the code under test catches it."""


class Channel:
    """A payment channel that, like Alipay or WeChat Pay, refunds a merchant refund number once."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.given: dict[str, Decimal] = {}
        self.die_after_refunding = False
        self.refuse_next = False

    def refund(self, payment, amount: Money, *, refund_id: str) -> RefundResult:
        self.asked.append(refund_id)
        if self.refuse_next:
            self.refuse_next = False
            return RefundResult(provider_reference="", succeeded=False, detail="insufficient balance")
        self.given.setdefault(refund_id, amount.amount)  # the channel de-duplicates by refund number
        if self.die_after_refunding:
            self.die_after_refunding = False
            raise ProcessDied
        return RefundResult(provider_reference=f"ch-{refund_id}", succeeded=True)


@pytest.fixture
def channel(monkeypatch) -> Channel:
    fake = Channel()
    monkeypatch.setattr("auric.payments.services.get_provider", lambda name: fake)
    return fake


@pytest.fixture
def staff(db):
    return UserFactory(username="returns-desk", is_staff=True)


@pytest.fixture
def received(shopper, gold_piece, fixed_piece, cart_of, ship, staff):
    """Two lines (8000.00 gold + 300.00 fixed) delivered; the gold line returned and received."""
    order = returns.mark_delivered(order=shipped(paid_order(cart_of(shopper, gold_piece, fixed_piece), shopper, ship)))
    line = order.lines.get(piece=gold_piece)
    request = returns.request_return(order=order, lines=[(line.pk, "no_reason")], actor=shopper)
    returns.approve_return(return_request=request, actor=staff)
    return returns.receive_return(return_request=request, inspection="passed", actor=staff)


def books(request: ReturnRequest) -> tuple[str, Decimal, Decimal, list[str]]:
    """(return state, order refunded total, returned line refunded amount, refund states)."""
    request.refresh_from_db()
    order = request.order
    order.refresh_from_db()
    line = request.lines.get().order_line
    line.refresh_from_db()
    states = list(Refund.objects.filter(payment__order=order).order_by("pk").values_list("state", flat=True))
    return request.state, order.refunded_total, line.refunded_amount, states


def test_refunding_a_return_records_refund_order_lines_and_return_together(received, staff, channel):
    returns.refund_return(return_request=received, actor=staff)

    state, refunded_total, line_refunded, refunds = books(received)
    assert state == ReturnRequest.State.REFUNDED and received.refund_reference.endswith(":ch-" + channel.asked[0])
    assert refunded_total == received.amount == line_refunded
    assert refunds == [Refund.State.SUCCEEDED]
    assert Refund.objects.get().line_amounts == {str(received.lines.get().order_line_id): str(received.amount)}


def test_a_failure_while_settling_rolls_back_the_order_the_lines_and_the_return(received, staff, channel, monkeypatch):
    def fail(*args, **kwargs):
        raise ProcessDied

    monkeypatch.setattr("auric.orders.returns._move", fail)  # the last write of the settling transaction

    with pytest.raises(ProcessDied):
        returns.refund_return(return_request=received, actor=staff)

    assert books(received) == (ReturnRequest.State.RECEIVED, Decimal("0.00"), Decimal("0.00"), [Refund.State.PENDING])


def test_a_crash_after_the_provider_refunded_is_resumed_by_a_retry_without_refunding_twice(received, staff, channel):
    channel.die_after_refunding = True
    with pytest.raises(ProcessDied):
        returns.refund_return(return_request=received, actor=staff)
    assert books(received) == (ReturnRequest.State.RECEIVED, Decimal("0.00"), Decimal("0.00"), [Refund.State.PENDING])

    retried = returns.refund_return(return_request=ReturnRequest.objects.get(pk=received.pk), actor=staff)

    assert retried.state == ReturnRequest.State.REFUNDED
    assert books(received) == (ReturnRequest.State.REFUNDED, received.amount, received.amount, [Refund.State.SUCCEEDED])
    assert len(set(channel.asked)) == 1 and len(channel.asked) == 2  # the same refund number, asked again
    assert sum(channel.given.values()) == received.amount  # the money went back once
    assert OutboxEvent.objects.filter(name=payment_events.REFUND_SUCCEEDED).count() == 1
    assert OutboxEvent.objects.filter(name="orders.OrderRefunded").count() == 1


def test_a_crash_before_the_provider_was_asked_is_resumed_by_a_retry(received, staff, channel, monkeypatch):
    def die(payment, refund):
        raise ProcessDied

    monkeypatch.setattr("auric.payments.services._ask_provider", die)
    with pytest.raises(ProcessDied):
        returns.refund_return(return_request=received, actor=staff)
    monkeypatch.undo()
    monkeypatch.setattr("auric.payments.services.get_provider", lambda name: channel)

    returns.refund_return(return_request=received, actor=staff)

    assert books(received) == (ReturnRequest.State.REFUNDED, received.amount, received.amount, [Refund.State.SUCCEEDED])
    assert len(channel.asked) == 1


def test_refunding_a_refunded_return_again_changes_nothing(received, staff, channel):
    returns.refund_return(return_request=received, actor=staff)
    before = books(received)

    again = returns.refund_return(return_request=ReturnRequest.objects.get(pk=received.pk), actor=staff)

    assert again.state == ReturnRequest.State.REFUNDED
    assert books(received) == before and len(channel.asked) == 1


def test_a_provider_refusal_leaves_the_return_received_and_a_later_retry_refunds(received, staff, channel):
    channel.refuse_next = True
    with pytest.raises(RefundRefused):
        returns.refund_return(return_request=received, actor=staff)
    assert books(received) == (ReturnRequest.State.RECEIVED, Decimal("0.00"), Decimal("0.00"), [Refund.State.FAILED])

    returns.refund_return(return_request=received, actor=staff)

    assert books(received) == (
        ReturnRequest.State.REFUNDED,
        received.amount,
        received.amount,
        [Refund.State.FAILED, Refund.State.SUCCEEDED],
    )


def test_the_order_stays_delivered_after_a_partial_return_refund(received, staff, channel):
    returns.refund_return(return_request=received, actor=staff)

    received.order.refresh_from_db()
    assert received.order.state == State.DELIVERED
