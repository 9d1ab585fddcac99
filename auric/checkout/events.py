"""Checkout's event wiring.

- Login merges the guest cart (kept by a random key in the session, which survives the session
  key rotation at login) into the account's cart.
- A cancelled order (by the shopper, staff or the expiry job) has already given its stock and
  coupon back in its own transaction; nothing to do here. Orders events are published by
  `auric.orders.services`: orders.OrderPlaced, OrderPaid, OrderCancelled, OrderRefunded, ...
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

SESSION_CART_KEY = "auric_cart_key"


@receiver(user_logged_in, dispatch_uid="checkout.merge_guest_cart")
def merge_cart_at_login(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    key = session.get(SESSION_CART_KEY) if session is not None else None
    if not key or session is None:
        return
    from auric.checkout.services import merge_guest_cart

    merge_guest_cart(session_key=key, user=user)
    session.pop(SESSION_CART_KEY, None)
