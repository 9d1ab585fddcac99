"""Events the payments app publishes (through the outbox, in the transaction that made the change).

- `payments.PaymentSucceeded` / `payments.PaymentFailed` / `payments.PaymentAbandoned`
  {"payment_id", "order_id", "number", "provider", "amount", "currency"}
- `payments.PaymentNeedsAttention` {"payment_id", "order_id", "number", "reason"}: money was taken
  for an order that could no longer be paid (cancelled or already paid by another payment); an
  operator refunds it.
- `payments.RefundSucceeded` {"refund_id", "payment_id", "order_id", "number", "amount", "currency"}

The sandbox provider does not go through the outbox to deliver its callback: its hosted page calls
the webhook entry point (`auric.payments.webhooks.receive`) directly with the raw body and headers,
so the callback passes exactly the verification an HTTP callback passes (docs/payments.md).

Handled: `accounts.AccountDeleted` — the reasons staff typed for the account's refunds become
`erased` (they may name the shopper); amounts, states and provider references stay for the books.
Large-transaction reports are kept whole: the law keeps them (COMPLIANCE D4).
"""

from __future__ import annotations

from auric.core import events
from auric.core.models import OutboxEvent

PAYMENT_SUCCEEDED = "payments.PaymentSucceeded"
PAYMENT_FAILED = "payments.PaymentFailed"
PAYMENT_ABANDONED = "payments.PaymentAbandoned"
PAYMENT_NEEDS_ATTENTION = "payments.PaymentNeedsAttention"
REFUND_SUCCEEDED = "payments.RefundSucceeded"


@events.handles("accounts.AccountDeleted")
def erase_refund_reasons_of_deleted_account(event: OutboxEvent) -> None:
    from auric.orders.services import ERASED, FREE_TEXT_KEYS
    from auric.payments.models import Payment, Refund

    user_id = event.payload.get("user_id")
    if not isinstance(user_id, int):
        return
    Refund.objects.filter(payment__order__user_id=user_id).exclude(reason=ERASED).update(reason=ERASED)
    payments = Payment.objects.filter(order__user_id=user_id).values_list("pk", flat=True)
    for kept in OutboxEvent.objects.filter(aggregate__in=[f"payments.payment:{pk}" for pk in payments]):
        if any(kept.payload.get(key) not in (None, "", ERASED) for key in FREE_TEXT_KEYS):
            kept.payload = {k: (ERASED if k in FREE_TEXT_KEYS and v else v) for k, v in kept.payload.items()}
            kept.save(update_fields=["payload"])
