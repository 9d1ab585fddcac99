"""Payment use cases: start a payment, apply a verified provider callback, refund.

Orders are changed only through `auric.orders.services` (`mark_paid`, `record_refund`).
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from auric.core import events
from auric.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from auric.core.money import Money
from auric.orders import services as order_services
from auric.orders.models import Order
from auric.orders.states import State
from auric.payments import events as payment_events
from auric.payments.models import Payment, ProviderCallback, Refund
from auric.payments.providers.base import CallbackEvent, ProviderError, get_provider


class OrderNotPayable(Conflict):
    code = "order_not_payable"
    title = "The order is not waiting for payment"


class UnknownPayment(NotFound):
    code = "unknown_payment"
    title = "No such payment for this provider"


class RefundRefused(Conflict):
    code = "refund_refused"
    title = "The refund cannot be made"


def _actor(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def start_payment(*, order: Order, provider: str, actor: Any = None) -> Payment:
    """Open a payment of the order's total with a provider; `payment.redirect_url` (or
    `qr_payload`) is where the shopper pays. Only an order in pending_payment can be paid."""
    channel = get_provider(provider)
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.state != State.PENDING_PAYMENT:
            raise OrderNotPayable(f"Order {locked.number} is {locked.state}, not pending_payment")
        payment = Payment.objects.create(
            order=locked,
            provider=provider,
            amount=locked.total,
            currency=locked.currency,
            created_by=_actor(actor),
        )
        start = channel.create_payment(payment)
        payment.provider_reference = start.provider_reference
        payment.redirect_url = start.redirect_url
        payment.qr_payload = start.qr_payload
        payment.save(update_fields=["provider_reference", "redirect_url", "qr_payload"])
    return payment


def _payload(payment: Payment) -> dict[str, Any]:
    return {
        "payment_id": str(payment.pk),
        "order_id": payment.order_id,
        "number": payment.order.number,
        "provider": payment.provider,
        "amount": format(payment.amount, "f"),
        "currency": payment.currency,
    }


_EVENT_FOR: dict[str, str] = {
    Payment.State.SUCCEEDED: payment_events.PAYMENT_SUCCEEDED,
    Payment.State.FAILED: payment_events.PAYMENT_FAILED,
    Payment.State.ABANDONED: payment_events.PAYMENT_ABANDONED,
}


def record_rejected_callback(*, provider: str, raw_body: bytes, detail: str, outcome: str) -> ProviderCallback:
    """Keep a callback that was refused (bad signature, unknown payment) for operators; it changes
    nothing else and does not take the event id."""
    return ProviderCallback.objects.create(
        provider=provider,
        raw_body=raw_body.decode("utf-8", "replace")[:16_000],
        signature_valid=outcome != ProviderCallback.Outcome.REJECTED,
        outcome=outcome,
        detail=detail[:300],
    )


def apply_callback(*, provider: str, event: CallbackEvent, raw_body: bytes) -> tuple[ProviderCallback, bool]:
    """Apply a verified callback exactly once: (its record, True) the first time; (the first
    record, False) for a replay.

    The payment row is locked, then the callback row is inserted: its (provider, event id) is
    unique, so a replay finds the first record and changes nothing. A payment in a final state
    ignores later callbacks (a late "failed" after "succeeded"), except that a success reported
    after a failure or abandonment is applied — the channel took the money.
    """
    with transaction.atomic():
        payment = (
            Payment.objects.select_for_update()
            .select_related("order")
            .filter(pk=_uuid_or_none(event.payment_id))
            .first()
        )
        if payment is None or payment.provider != provider:
            raise UnknownPayment(f"The callback names payment {event.payment_id[:40]!r}")
        previous = ProviderCallback.objects.filter(
            provider=provider, provider_event_id=event.provider_event_id, payment__isnull=False
        ).first()
        if previous is not None:
            return previous, False
        record = ProviderCallback(
            provider=provider,
            provider_event_id=event.provider_event_id,
            payment=payment,
            status=event.status,
            raw_body=raw_body.decode("utf-8", "replace")[:16_000],
            signature_valid=True,
        )
        record.outcome, record.detail = _apply(payment, event)
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # A concurrent delivery of the same event won; its outcome stands and this one's
            # changes roll back with this transaction.
            raise DuplicateCallback() from None
    return record, True


class DuplicateCallback(Exception):
    """A concurrent delivery of the same provider event committed first."""


def _uuid_or_none(value: str) -> Any:
    try:
        return uuid.UUID(value)
    except (ValueError, TypeError):
        return None


def _apply(payment: Payment, event: CallbackEvent) -> tuple[str, str]:
    outcome = ProviderCallback.Outcome
    if event.amount != Money(payment.amount, payment.currency):
        return outcome.AMOUNT_MISMATCH, f"callback says {event.amount.amount} {event.currency}"
    final = payment.state != Payment.State.CREATED
    late_success = event.status == Payment.State.SUCCEEDED and payment.state in (
        Payment.State.FAILED,
        Payment.State.ABANDONED,
    )
    if final and not late_success:
        return outcome.IGNORED, f"payment already {payment.state}"
    payment.state = event.status
    payment.completed_at = timezone.now()
    payment.save(update_fields=["state", "completed_at"])
    events.publish(_EVENT_FOR[event.status], _payload(payment), aggregate=f"payments.payment:{payment.pk}")
    if event.status != Payment.State.SUCCEEDED:
        return outcome.APPLIED, ""
    try:
        with transaction.atomic():
            order_services.mark_paid(
                order=payment.order,
                payment_reference=payment.reference,
                amount=Money(payment.amount, payment.currency),
                actor=payment.provider,
            )
    except DomainError as exc:
        # Money was taken for an order that cannot take it (cancelled meanwhile, or paid twice).
        reason = f"{exc.detail}"[:300]
        events.publish(
            payment_events.PAYMENT_NEEDS_ATTENTION,
            {**_payload(payment), "reason": reason},
            aggregate=f"payments.payment:{payment.pk}",
        )
        return outcome.NEEDS_ATTENTION, reason
    return outcome.APPLIED, ""


def succeeded_payment(order: Order) -> Payment | None:
    return order.payments.filter(state=Payment.State.SUCCEEDED).order_by("completed_at").first()


def refund_payment(*, order: Order, amount: Money, reason: str, actor: Any = None) -> Refund:
    """Refund (part of) what the order's payment took, through its provider, then record it on the
    order (`orders.services.record_refund`; a full refund moves the order to refunded).

    Two short transactions around the provider call, so no row lock is held while the channel
    answers: the first checks the amount under the payment's lock and books a pending refund (which
    counts against what is left to refund), the second records the channel's answer.
    """
    if not reason.strip():
        raise ValidationFailed("A refund needs a reason", errors={"reason": ["required"]})
    if amount.amount <= 0:
        raise ValidationFailed("A refund amount must be positive", errors={"amount": ["must be positive"]})
    with transaction.atomic():
        payment = succeeded_payment(order)
        if payment is None:
            raise RefundRefused(f"Order {order.number} has no succeeded payment")
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if amount.currency != payment.currency:
            raise ValidationFailed(
                f"The payment was in {payment.currency}", errors={"amount": [f"currency must be {payment.currency}"]}
            )
        booked = payment.refunds.exclude(state=Refund.State.FAILED).aggregate(total=Sum("amount"))["total"]
        left = payment.amount - (booked or Decimal(0))
        if amount.amount > left:
            raise RefundRefused(
                f"Only {left} {payment.currency} of this payment is left to refund", errors={"amount": [f"≤ {left}"]}
            )
        refund = Refund.objects.create(
            payment=payment,
            amount=amount.amount,
            currency=amount.currency,
            reason=reason[:300],
            created_by=_actor(actor),
        )
    try:
        result = get_provider(payment.provider).refund(payment, amount)
    except (ProviderError, DomainError) as exc:
        Refund.objects.filter(pk=refund.pk).update(state=Refund.State.FAILED, completed_at=timezone.now())
        raise RefundRefused(f"The provider refused the refund: {exc}") from exc
    if not result.succeeded:
        Refund.objects.filter(pk=refund.pk).update(
            state=Refund.State.FAILED, provider_reference=result.provider_reference, completed_at=timezone.now()
        )
        raise RefundRefused(f"The provider refused the refund: {result.detail}")
    with transaction.atomic():
        refund.state = Refund.State.SUCCEEDED
        refund.provider_reference = result.provider_reference
        refund.completed_at = timezone.now()
        refund.save(update_fields=["state", "provider_reference", "completed_at"])
        order_services.record_refund(
            order=Order.objects.get(pk=order.pk),
            amount=amount,
            reference=f"{payment.provider}:{result.provider_reference}",
            actor=actor,
        )
        events.publish(
            payment_events.REFUND_SUCCEEDED,
            {
                "refund_id": refund.pk,
                "payment_id": str(payment.pk),
                "order_id": order.pk,
                "number": order.number,
                "amount": format(amount.amount, "f"),
                "currency": amount.currency,
            },
            aggregate=f"payments.payment:{payment.pk}",
        )
    return refund
