"""What the risk engine reacts to.

- ``orders.OrderPlaced`` → `services.screen_order`. The outbox delivers it in-process right after the
  order commits, still inside the checkout request, so the client context captured by the middleware
  is current and a hold is in place before the shopper sees the order (docs/adr/0010-risk-engine.md).
  Idempotent: the decision is keyed by the event id.
- ``orders.OrderCancelled`` → an open review of that order is closed (it expired or was cancelled).
- Sign-ins: Django's ``user_logged_in`` (sent by every sign-in path: password form, passkey, and
  any later one) → `services.screen_login`, synchronously, because only the request in progress can
  be refused. A failure of the engine is logged and never stops a sign-in.

The risk app publishes no events.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from auric.core import events
from auric.core.models import OutboxEvent
from auric.risk import context, services

logger = logging.getLogger("auric.risk")


@events.handles("orders.OrderPlaced")
def screen_placed_order(event: OutboxEvent) -> None:
    order_id = event.payload.get("order_id")
    if isinstance(order_id, int):
        services.screen_order(order_id=order_id, client=context.current(), source_event=event.pk)


@events.handles("orders.OrderCancelled")
def close_review_of_cancelled_order(event: OutboxEvent) -> None:
    order_id = event.payload.get("order_id")
    if isinstance(order_id, int):
        services.close_reviews_of(order_id=order_id, why="The order was cancelled before the review.")


@receiver(user_logged_in, dispatch_uid="auric.risk.screen_login")
def screen_sign_in(sender: Any, user: Any, request: Any = None, **kwargs: Any) -> None:
    try:
        services.screen_login(user=user, client=context.current())
    except Exception:  # the engine must never be why a shopper cannot sign in
        logger.exception("risk: could not screen the sign-in of user %s", getattr(user, "pk", None))
