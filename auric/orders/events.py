"""Outbox handlers of the orders app: the shopper's e-mails.

Events published by orders (payloads carry at least "order_id" and "number"):
`orders.OrderPlaced`, `orders.OrderPaid`, `orders.OrderShipped`, `orders.OrderReadyForPickup`,
`orders.OrderDelivered`, `orders.OrderCompleted`, `orders.OrderCancelled`, `orders.OrderRefunded`
(with "amount" and "partial": true for partial refunds).

Idempotency: the outbox runs a handler at most once per event successfully (its `HandlerRun` row is
locked while it runs and marked succeeded in the same transaction), so a redelivered event sends
nothing again. A mail is sent inside that transaction: if sending fails the handler fails and the
outbox retries it later.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from auric.core import events
from auric.core.models import OutboxEvent
from auric.orders.emails import send_order_mail
from auric.orders.models import Order

logger = logging.getLogger(__name__)


def _order(event: OutboxEvent) -> Order | None:
    order = Order.objects.select_related("user", "pickup_location").filter(pk=event.payload.get("order_id")).first()
    if order is None:
        logger.warning("Event %s names no existing order (%s)", event.pk, event.payload.get("order_id"))
    return order


def _send(event: OutboxEvent, kind: str, **extra: object) -> None:
    if (order := _order(event)) is not None:
        send_order_mail(order=order, kind=kind, extra=dict(extra))


@events.handles("orders.OrderPlaced")
def mail_order_placed(event: OutboxEvent) -> None:
    _send(event, "placed")


@events.handles("orders.OrderPaid")
def mail_order_paid(event: OutboxEvent) -> None:
    _send(event, "paid")


@events.handles("orders.OrderShipped")
def mail_order_shipped(event: OutboxEvent) -> None:
    _send(event, "shipped")


@events.handles("orders.OrderReadyForPickup")
def mail_order_ready_for_pickup(event: OutboxEvent) -> None:
    _send(event, "ready_for_pickup")


@events.handles("orders.OrderRefunded")
def mail_order_refunded(event: OutboxEvent) -> None:
    amount = event.payload.get("amount")
    _send(
        event,
        "refunded",
        amount=Decimal(amount) if amount else None,
        partial=bool(event.payload.get("partial")),
    )
