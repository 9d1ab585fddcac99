"""A payment never starts before its order was screened (ADR 0013): the OrderPlaced event is delivered
after the checkout's response, or by a worker, so the payment start screens an order that is not yet."""

from __future__ import annotations

import pytest

from auric.accounts.stepup import StepUpRequired
from auric.checkout.shipping import DeliveryChoice
from auric.core import events
from auric.core.models import OutboxEvent
from auric.orders.services import OrderHeld, place_order
from auric.payments.services import start_payment
from auric.risk import context
from auric.risk.models import Decision, Outcome
from tests.factories import UserFactory
from tests.risk.conftest import address, client_at, new_thresholds

pytestmark = pytest.mark.django_db


@pytest.fixture
def placed_unscreened(cart_of, settings):
    """Place an order whose OrderPlaced event is still waiting in the outbox."""
    settings.AURIC_DISPATCH_EVENTS_ON_COMMIT = False

    def make(user, piece, *, device: str):
        with context.using(client_at(device=device)):
            order = place_order(
                cart=cart_of(user, piece), user=user, delivery=DeliveryChoice.ship(address("南京东路 100 号"))
            )
        assert not Decision.objects.filter(order=order).exists()
        return order

    return make


def test_a_payment_that_comes_first_screens_the_order_and_the_event_later_changes_nothing(
    regular, gold_piece, placed_unscreened
):
    order = placed_unscreened(regular, gold_piece, device="known-phone-1234567890")

    with context.using(client_at(device="known-phone-1234567890")):
        payment = start_payment(order=order, provider="sandbox")

    decision = Decision.objects.get(order=order)
    assert payment.pk and decision.outcome == Outcome.ALLOW
    # the event, delivered afterwards, finds the order screened
    event = OutboxEvent.objects.get(name="orders.OrderPlaced", payload__order_id=order.pk)
    assert events.dispatch(event.pk)
    assert Decision.objects.filter(order=order).count() == 1


def test_a_risky_order_paid_before_its_screening_is_refused_as_the_screening_says(gold_piece, placed_unscreened):
    # given thresholds that hold a new account on a new device, and such an order not yet screened
    new_thresholds(5, 10, 200)
    newcomer = UserFactory(username="newcomer")
    order = placed_unscreened(newcomer, gold_piece, device="fresh-phone-1234567890")

    # when the shopper starts the payment at once, then it is refused: the order is held
    with pytest.raises(OrderHeld), context.using(client_at(device="fresh-phone-1234567890")):
        start_payment(order=order, provider="sandbox")


def test_a_step_up_found_at_payment_start_is_asked_for(gold_piece, placed_unscreened):
    new_thresholds(5, 200, 300)
    newcomer = UserFactory(username="newcomer")
    order = placed_unscreened(newcomer, gold_piece, device="fresh-phone-1234567890")

    with pytest.raises(StepUpRequired), context.using(client_at(device="fresh-phone-1234567890")):
        start_payment(order=order, provider="sandbox")
