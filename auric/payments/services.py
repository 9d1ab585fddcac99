"""Payment use cases: start a payment, apply a verified provider callback, refund.

Orders are changed only through `auric.orders.services` (`mark_paid`, `record_refund`).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone

from auric.accounts import stepup
from auric.core import events
from auric.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from auric.core.money import Money
from auric.core.transactions import service_transaction
from auric.orders import services as order_services
from auric.orders.models import Order, OrderLine
from auric.orders.states import State
from auric.payments import events as payment_events
from auric.payments import large_transactions
from auric.payments.models import Payment, ProviderCallback, Refund
from auric.payments.providers.base import CallbackEvent, ProviderError, RefundResult, get_provider


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


def payee(provider: str) -> str:
    """Who receives the money, as the shopper confirms it in a step-up: the merchant and the channel."""
    return f"{settings.AURIC_PAYEE} ({provider})"


def require_payment_step_up(*, order: Order, provider: str, force: bool = False) -> None:
    """A payment of ≥ AURIC_STEP_UP_THRESHOLD needs a fresh step-up of the order's owner bound to
    this order's number, total, currency and payee (COMPLIANCE D2); StepUpRequired (403) otherwise.
    `force`: the day's purchases reach the threshold (D4), whatever this order's total."""
    amount = Money(order.total, order.currency)
    if not force and not stepup.needs_step_up(amount) and not order.payment_step_up_required:  # risk may force it
        return
    if order.user is None:
        raise stepup.StepUpRequired("Orders of this value can only be paid from a signed-in account.")
    binding = stepup.payment_binding(order_number=order.number, amount=amount, payee=payee(provider))
    stepup.require_step_up(user=order.user, purpose="payment", binding=binding)


def start_payment(*, order: Order, provider: str, actor: Any = None) -> Payment:
    """Open a payment of the order's total with a provider; `payment.redirect_url` (or
    `qr_payload`) is where the shopper pays. Only an order in pending_payment can be paid, and a
    high-value one only after the shopper stepped up for exactly this payment. When the customer's
    purchases of the day reach the threshold (D4) it also needs their identity verification (403
    `identity_verification_required`) and a step-up, and leaves a large-transaction report."""
    channel = get_provider(provider)
    with service_transaction():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        locked = order_services.run_checks_before_payment(order=locked)  # risk screens it if not yet done
        if locked.state != State.PENDING_PAYMENT:
            raise OrderNotPayable(f"Order {locked.number} is {locked.state}, not pending_payment")
        order_services.refuse_if_held(order=locked, action="paid")  # 409 order_held while under review
        day_total, verification = large_transactions.check_large_purchase(order=locked)  # D4
        require_payment_step_up(order=locked, provider=provider, force=verification is not None)
        if verification is not None:
            large_transactions.record_report(order=locked, total=day_total, verification=verification)
        payment = Payment(
            order=locked,
            provider=provider,
            amount=locked.total,
            currency=locked.currency,
            created_by=_actor(actor),
        )
        # The channel learns the payment's id (generated here) before the row is written, so the row
        # is inserted once, with the channel's answer; a failure of either rolls back both.
        start = channel.create_payment(payment)
        payment.provider_reference = start.provider_reference
        payment.redirect_url = start.redirect_url
        payment.qr_payload = start.qr_payload
        payment.save(force_insert=True)
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
    with service_transaction():
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
            with transaction.atomic(savepoint=False):  # the error ends the whole transaction anyway
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


def refund_payment(
    *,
    order: Order,
    amount: Money,
    reason: str,
    actor: Any = None,
    key: str = "",
    line_amounts: Mapping[int, Money] | None = None,
    on_refunded: Callable[[Refund], None] | None = None,
) -> Refund:
    """Refund (part of) what the order's payment took, through its provider, and record it on the
    order (`orders.services.record_refund`: a refund reaching the total moves the order to refunded).

    Three steps, so no row lock is held while the channel answers and no crash loses or doubles money:
    1. book: under the payment's lock, check the amount against what is left and book a *pending*
       refund (it counts against what is left to refund);
    2. ask the provider (outside any transaction);
    3. settle, in ONE transaction: the refund succeeded, the order's refunded total, each line's
       refunded amount (`line_amounts`, {order line id: Money}, adding up to `amount`), the event,
       and `on_refunded(refund)` (a return marks itself refunded there).

    `key` names what the refund is for (e.g. "return:12"). Calling again with the same key returns
    the succeeded refund unchanged, or resumes the pending one left by a process that died between
    steps 1 and 3: the provider is asked again for the SAME refund (channels de-duplicate by the
    merchant's refund number, passed as `refund_id` to providers that take it) and step 3 runs once.
    A provider refusal marks the refund failed (a later call with the key starts a new one).
    """
    if not reason.strip():
        raise ValidationFailed("A refund needs a reason", errors={"reason": ["required"]})
    if amount.amount <= 0:
        raise ValidationFailed("A refund amount must be positive", errors={"amount": ["must be positive"]})
    if len(key) > 80:
        raise ValidationFailed("A refund key has at most 80 characters", errors={"key": ["at most 80 characters"]})
    lines = _line_amounts_json(amount, line_amounts)
    refund = _book_refund(order=order, amount=amount, reason=reason, actor=actor, key=key, lines=lines)
    if refund.state == Refund.State.SUCCEEDED:
        return refund  # the same key, already refunded: nothing more to do
    payment = refund.payment
    try:
        result = _ask_provider(payment, refund)
    except (ProviderError, DomainError) as exc:
        _fail(refund, "")
        raise RefundRefused(f"The provider refused the refund: {exc}") from exc
    if not result.succeeded:
        _fail(refund, result.provider_reference)
        raise RefundRefused(f"The provider refused the refund: {result.detail}")
    return _settle_refund(
        refund=refund, order=order, provider_reference=result.provider_reference, actor=actor, on_refunded=on_refunded
    )


def _line_amounts_json(amount: Money, line_amounts: Mapping[int, Money] | None) -> dict[str, str]:
    """Checked before any money moves: the per-line amounts are in the refund's currency, not
    negative, and add up to the refund."""
    if not line_amounts:
        return {}
    if any(m.currency != amount.currency or m.amount < 0 for m in line_amounts.values()):
        raise ValidationFailed(
            "Line amounts are non-negative, in the refund's currency",
            errors={"line_amounts": [f"non-negative amounts in {amount.currency}"]},
        )
    if sum((m.amount for m in line_amounts.values()), Decimal(0)) != amount.amount:
        raise ValidationFailed(
            "Line amounts must add up to the refund", errors={"line_amounts": ["must add up to the amount"]}
        )
    return {str(line_id): format(m.amount, "f") for line_id, m in sorted(line_amounts.items())}


def _book_refund(*, order: Order, amount: Money, reason: str, actor: Any, key: str, lines: dict[str, str]) -> Refund:
    """Step 1: the pending refund (or, for a known key, the refund already booked under it)."""
    with transaction.atomic():
        payment = succeeded_payment(order)
        if payment is None:
            raise RefundRefused(f"Order {order.number} has no succeeded payment")
        payment = Payment.objects.select_for_update().select_related("order").get(pk=payment.pk)
        if amount.currency != payment.currency:
            raise ValidationFailed(
                f"The payment was in {payment.currency}", errors={"amount": [f"currency must be {payment.currency}"]}
            )
        if key:
            booked = payment.refunds.filter(key=key).exclude(state=Refund.State.FAILED).first()
            if booked is not None:
                if booked.amount != amount.amount or booked.line_amounts != lines:
                    raise RefundRefused(
                        f"Refund {key!r} was booked for {booked.amount} {booked.currency} with other lines",
                        errors={"key": ["already used for a different refund"]},
                    )
                return booked
        if payment.order.state not in order_services.PAID_STATES:
            raise RefundRefused(f"Order {order.number} is {payment.order.state}: nothing to refund")
        _check_lines(payment, lines)
        taken = payment.refunds.exclude(state=Refund.State.FAILED).aggregate(total=Sum("amount"))["total"]
        left = payment.amount - (taken or Decimal(0))
        if amount.amount > left:
            raise RefundRefused(
                f"Only {left} {payment.currency} of this payment is left to refund", errors={"amount": [f"≤ {left}"]}
            )
        return Refund.objects.create(
            payment=payment,
            amount=amount.amount,
            currency=amount.currency,
            reason=reason[:300],
            key=key,
            line_amounts=lines,
            created_by=_actor(actor),
        )


def _check_lines(payment: Payment, lines: dict[str, str]) -> None:
    """Before any money moves: each line is the order's, and what it was paid covers this refund on
    top of what it has refunded and what pending refunds will refund (record_refund re-checks)."""
    if not lines:
        return
    pending: dict[str, Decimal] = {}
    for booked in payment.refunds.filter(state=Refund.State.PENDING).values_list("line_amounts", flat=True):
        for line_id, value in booked.items():
            pending[line_id] = pending.get(line_id, Decimal(0)) + Decimal(value)
    found = {
        str(line.pk): line
        for line in OrderLine.objects.filter(order_id=payment.order_id, pk__in=[int(k) for k in lines])
    }
    errors: dict[str, list[str]] = {}
    for line_id, value in lines.items():
        line = found.get(line_id)
        if line is None:
            errors[f"line_amounts.{line_id}"] = ["not a line of this order"]
            continue
        left = line.line_total - line.discount - line.refunded_amount - pending.get(line_id, Decimal(0))
        if Decimal(value) > left:
            errors[f"line_amounts.{line_id}"] = [f"≤ {left}"]
    if errors:
        raise RefundRefused("The refund would exceed what a line was paid", errors=errors)


def _ask_provider(payment: Payment, refund: Refund) -> RefundResult:
    """Step 2. Channels de-duplicate refunds by the merchant's refund number (Alipay out_request_no,
    WeChat Pay out_refund_no); every attempt sends this refund's, so resuming a pending refund
    cannot give the money back twice."""
    channel = get_provider(payment.provider)
    return channel.refund(payment, Money(refund.amount, refund.currency), refund_id=f"auric-refund-{refund.pk}")


def _fail(refund: Refund, provider_reference: str) -> None:
    Refund.objects.filter(pk=refund.pk, state=Refund.State.PENDING).update(
        state=Refund.State.FAILED, provider_reference=provider_reference[:100], completed_at=timezone.now()
    )


def _settle_refund(
    *,
    refund: Refund,
    order: Order,
    provider_reference: str,
    actor: Any,
    on_refunded: Callable[[Refund], None] | None,
) -> Refund:
    """Step 3, one transaction: the refund, the order, its lines, the event and `on_refunded`. A
    concurrent attempt that settled the same refund first wins; this one changes nothing."""
    with transaction.atomic():
        refund = Refund.objects.select_for_update().select_related("payment").get(pk=refund.pk)
        if refund.state == Refund.State.SUCCEEDED:
            return refund
        payment = refund.payment
        amount = Money(refund.amount, refund.currency)
        refund.state = Refund.State.SUCCEEDED
        refund.provider_reference = provider_reference[:100]
        refund.completed_at = timezone.now()
        refund.save(update_fields=["state", "provider_reference", "completed_at"])
        order_services.record_refund(
            order=Order.objects.get(pk=order.pk),
            amount=amount,
            reference=f"{payment.provider}:{provider_reference}",
            actor=actor,
            line_amounts={int(k): Money(Decimal(v), refund.currency) for k, v in refund.line_amounts.items()},
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
                "key": refund.key,
                "line_amounts": refund.line_amounts,
            },
            aggregate=f"payments.payment:{payment.pk}",
        )
        if on_refunded is not None:
            on_refunded(refund)
    return refund
