"""Order e-mails to the shopper: placed, paid, shipped, ready for pickup, refunded.

Each mail is rendered from `emails/orders/<kind>_subject.txt`, `<kind>.txt` and `<kind>.html`
(Chinese first, English below) and sent with Django's mail API (console backend by default, SMTP by
configuration). The outbox handlers in `auric.orders.events` decide when.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from auric.orders.models import Order

logger = logging.getLogger(__name__)

KINDS = ("placed", "paid", "shipped", "ready_for_pickup", "refunded")


def recipient(order: Order) -> str:
    user = order.user
    return (getattr(user, "email", "") or "").strip() if user is not None else ""


def send_order_mail(*, order: Order, kind: str, extra: dict[str, Any] | None = None) -> bool:
    """Render and send one order mail; False (with a log line) when the shopper has no e-mail."""
    if kind not in KINDS:
        raise ValueError(f"Unknown order mail {kind!r}")
    to = recipient(order)
    if not to:
        logger.info("Order %s: no e-mail address for the %s mail; not sent", order.number, kind)
        return False
    context = {
        "order": order,
        "lines": list(order.lines.all()),
        "store": order.pickup_location,
        **(extra or {}),
    }
    subject = " ".join(render_to_string(f"emails/orders/{kind}_subject.txt", context).split())
    text = render_to_string(f"emails/orders/{kind}.txt", context)
    html = render_to_string(f"emails/orders/{kind}.html", context)
    message = EmailMultiAlternatives(subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to])
    message.attach_alternative(html, "text/html")
    message.send()
    return True
