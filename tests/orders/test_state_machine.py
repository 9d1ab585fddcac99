"""The order state machine: allowed moves only, each on the timeline and announced."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from auric.core.models import OutboxEvent
from auric.orders.models import Order, OrderTransition
from auric.orders.services import IllegalTransition, move_order, new_order_number, new_pickup_code
from auric.orders.states import TABS, TRANSITIONS, State


def make_order(**fields) -> Order:
    defaults = {
        "number": new_order_number(),
        "subtotal": Decimal("100.00"),
        "total": Decimal("100.00"),
        "delivery_method": Order.Delivery.SHIP,
        "pay_by": timezone.now() + timedelta(minutes=30),
    }
    return Order.objects.create(**{**defaults, **fields})


@pytest.mark.django_db
def test_a_paid_order_moves_to_paid_on_the_timeline_and_announces_it():
    order = make_order()
    move_order(order=order, to=State.PAID, actor="sandbox", paid_at=timezone.now())
    order.refresh_from_db()
    assert order.state == State.PAID and order.paid_at is not None
    step = OrderTransition.objects.get(order=order)
    assert (step.from_state, step.to_state, step.actor_label) == (State.PENDING_PAYMENT, State.PAID, "sandbox")
    assert OutboxEvent.objects.filter(name="orders.OrderPaid", payload__number=order.number).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "target"),
    [(State.PENDING_PAYMENT, State.SHIPPED), (State.CANCELLED, State.PAID), (State.COMPLETED, State.REFUNDED)],
)
def test_illegal_moves_are_refused_and_change_nothing(source, target):
    order = make_order(state=source)
    with pytest.raises(IllegalTransition):
        move_order(order=order, to=target)
    order.refresh_from_db()
    assert order.state == source
    assert not OrderTransition.objects.exists() and not OutboxEvent.objects.exists()


def test_every_state_is_reachable_from_pending_payment_and_tabs_cover_them():
    seen, frontier = {State.PENDING_PAYMENT.value}, [State.PENDING_PAYMENT.value]
    while frontier:
        for target in TRANSITIONS[frontier.pop()]:
            if target not in seen:
                seen.add(target)
                frontier.append(target)
    assert seen == set(State.values)
    tabbed = set().union(*(states for _, states in TABS.values()))
    assert tabbed == set(State.values) - {State.CANCELLED}


def test_order_numbers_and_pickup_codes_do_not_repeat_or_count():
    numbers = {new_order_number() for _ in range(2000)}
    assert len(numbers) == 2000
    assert all(n.startswith("AU") and len(n) == 16 for n in numbers)
    codes = {new_pickup_code() for _ in range(50)}
    assert all(len(c) == 6 and c.isdigit() for c in codes) and len(codes) > 40


@pytest.mark.django_db(transaction=True)
def test_two_racing_moves_only_one_wins():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database")
    order = make_order()
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(target: str) -> None:
        try:
            barrier.wait()
            move_order(order=Order.objects.get(pk=order.pk), to=target)
            outcomes.append(target)
        except IllegalTransition:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(t,)) for t in (State.PAID, State.CANCELLED)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes).count("refused") == 1
    assert OrderTransition.objects.filter(order=order).count() == 1
