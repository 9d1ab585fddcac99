"""Events the payments app publishes (through the outbox, in the transaction that made the change).

- `payments.PaymentSucceeded` / `payments.PaymentFailed` / `payments.PaymentAbandoned`
  {"payment_id", "order_id", "number", "provider", "amount", "currency"}
- `payments.PaymentNeedsAttention` {"payment_id", "order_id", "number", "reason"}: money was taken
  for an order that could no longer be paid (cancelled or already paid by another payment); an
  operator refunds it.
- `payments.RefundSucceeded` {"refund_id", "payment_id", "order_id", "number", "amount", "currency"}

The sandbox provider does not go through the outbox to deliver its callback: its hosted page calls
the webhook entry point (`auric.payments.webhooks.receive`) directly with the raw body and headers,
so the callback passes exactly the verification an HTTP callback passes (docs/payments.md). This
app has no handlers of other apps' events yet.
"""

PAYMENT_SUCCEEDED = "payments.PaymentSucceeded"
PAYMENT_FAILED = "payments.PaymentFailed"
PAYMENT_ABANDONED = "payments.PaymentAbandoned"
PAYMENT_NEEDS_ATTENTION = "payments.PaymentNeedsAttention"
REFUND_SUCCEEDED = "payments.RefundSucceeded"
