"""The order state machine: one table of allowed transitions, enforced in one place.

Drawn in docs/orders.md. Shopper tabs (待付款, 待发货, 待收货, 待评价, 售后) are views of these states.
"""

from __future__ import annotations

from django.db import models


class State(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", "待付款 Pending payment"
    PAID = "paid", "已付款 Paid"
    PROCESSING = "processing", "处理中 Processing"
    SHIPPED = "shipped", "已发货 Shipped"
    READY_FOR_PICKUP = "ready_for_pickup", "待自提 Ready for pickup"
    DELIVERED = "delivered", "已签收 Delivered"
    PICKED_UP = "picked_up", "已自提 Picked up"
    COMPLETED = "completed", "已完成 Completed"
    CANCELLED = "cancelled", "已取消 Cancelled"
    REFUNDED = "refunded", "已退款 Refunded"


TRANSITIONS: dict[str, frozenset[str]] = {
    State.PENDING_PAYMENT: frozenset({State.PAID, State.CANCELLED}),
    State.PAID: frozenset({State.PROCESSING, State.REFUNDED}),
    State.PROCESSING: frozenset({State.SHIPPED, State.READY_FOR_PICKUP, State.REFUNDED}),
    State.SHIPPED: frozenset({State.DELIVERED}),
    State.READY_FOR_PICKUP: frozenset({State.PICKED_UP, State.REFUNDED}),
    State.DELIVERED: frozenset({State.COMPLETED, State.REFUNDED}),
    State.PICKED_UP: frozenset({State.COMPLETED, State.REFUNDED}),
    State.COMPLETED: frozenset(),
    State.CANCELLED: frozenset(),
    State.REFUNDED: frozenset(),
}

# The event each arrival publishes (orders.<Name>); later features subscribe to these.
EVENT_ON_ENTER: dict[str, str] = {
    State.PAID: "orders.OrderPaid",
    State.SHIPPED: "orders.OrderShipped",
    State.READY_FOR_PICKUP: "orders.OrderReadyForPickup",
    State.DELIVERED: "orders.OrderDelivered",
    State.PICKED_UP: "orders.OrderDelivered",
    State.COMPLETED: "orders.OrderCompleted",
    State.CANCELLED: "orders.OrderCancelled",
    State.REFUNDED: "orders.OrderRefunded",
}

# Shopper-facing tabs, as Chinese shoppers know them.
TABS: dict[str, tuple[str, frozenset[str]]] = {
    "to_pay": ("待付款", frozenset({State.PENDING_PAYMENT})),
    "to_ship": ("待发货", frozenset({State.PAID, State.PROCESSING})),
    "to_receive": ("待收货", frozenset({State.SHIPPED, State.READY_FOR_PICKUP})),
    "to_review": ("待评价", frozenset({State.DELIVERED, State.PICKED_UP, State.COMPLETED})),
    "after_sales": ("售后", frozenset({State.REFUNDED})),
}


def can_move(source: str, target: str) -> bool:
    return target in TRANSITIONS.get(source, frozenset())
