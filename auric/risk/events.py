"""What the risk engine reacts to.

- ``orders.OrderPlaced`` → `services.screen_order`. The outbox delivers it in-process right after the
  order commits, still inside the checkout request, so the client context captured by the middleware
  is current and a hold is in place before the shopper sees the order (docs/adr/0010-risk-engine.md).
  Idempotent: the decision is keyed by the event id.
- ``orders.OrderCancelled`` → an open review of that order is closed (it expired or was cancelled).
- ``accounts.AccountDeleted`` → `services.erase_account_client_data`: the account's device
  sightings go, its decisions keep their scores and reasons but lose the client data. Idempotent.
- Sign-ins: Django's ``user_logged_in`` (sent by every sign-in path: password form, passkey, API
  token, and any later one) → `services.screen_login`, synchronously, because only the request in
  progress can be refused. A block ends the session (the middleware answers 403 `login_blocked`);
  a sign-in that has no session to end — the API token endpoint sends ``bearer_token=True`` before
  it issues the token — is refused by raising `services.SignInBlocked` (the same 403) instead, so no
  token is issued. A failure of the engine is logged and never stops a sign-in.

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
from auric.risk.models import Outcome

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


@events.handles("accounts.AccountDeleted")
def erase_client_data_of_deleted_account(event: OutboxEvent) -> None:
    user_id = event.payload.get("user_id")
    if isinstance(user_id, int):
        services.erase_account_client_data(user_id=user_id)


@receiver(user_logged_in, dispatch_uid="auric.risk.screen_login")
def screen_sign_in(sender: Any, user: Any, request: Any = None, bearer_token: bool = False, **kwargs: Any) -> None:
    try:
        decision = services.screen_login(user=user, client=context.current())
    except Exception:  # the engine must never be why a shopper cannot sign in
        logger.exception("risk: could not screen the sign-in of user %s", getattr(user, "pk", None))
        return
    if bearer_token and decision.outcome == Outcome.BLOCK:
        raise services.SignInBlocked
