"""Order use cases. This module holds the state machine's enforcement; placing an order from a
checkout, payments and returns build on `move_order`."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from auric.core import events
from auric.core.errors import Conflict
from auric.orders.models import Order, OrderTransition
from auric.orders.states import EVENT_ON_ENTER, TRANSITIONS, State, can_move

# Crockford base32 without I, L, O, U: readable aloud, no look-alikes.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class IllegalTransition(Conflict):
    code = "illegal_order_transition"
    title = "The order cannot move to that state"


def new_order_number() -> str:
    """AU + date + 8 random base32 characters (40 bits): says nothing about order volume."""
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"AU{timezone.localdate():%y%m%d}{random_part}"


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _actor_label(actor: Any) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return str(actor or "system")


def move_order(*, order: Order, to: str, actor: Any = None, note: str = "", **fields: Any) -> Order:
    """Move an order along the state machine, atomically; IllegalTransition otherwise.

    The move is a conditional update on the state the caller saw, so two staff members (or a
    callback and a timeout job) racing on the same order cannot both move it.
    """
    if to not in State.values:
        raise IllegalTransition(f"Unknown state {to!r}")
    source = order.state
    if not can_move(source, to):
        allowed = ", ".join(sorted(TRANSITIONS.get(source, ()))) or "none"
        raise IllegalTransition(f"An order that is {source} cannot become {to} (allowed: {allowed})")
    now = timezone.now()
    with transaction.atomic():
        moved = Order.objects.filter(pk=order.pk, state=source).update(state=to, **fields)
        if moved != 1:
            current = Order.objects.filter(pk=order.pk).values_list("state", flat=True).first()
            raise IllegalTransition(f"The order changed meanwhile: it is now {current}")
        OrderTransition.objects.create(
            order=order,
            from_state=source,
            to_state=to,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor)[:150],
            note=note[:300],
        )
        if event := EVENT_ON_ENTER.get(to):
            events.publish(
                event,
                {"order_id": order.pk, "number": order.number, "from": source, "to": to},
                aggregate=f"orders.order:{order.pk}",
            )
    order.state = to
    for name, value in fields.items():
        setattr(order, name, value)
    return order
