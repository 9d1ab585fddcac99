"""Large transactions (COMPLIANCE D4): a customer's purchases of one day reaching the threshold.

When a payment starts, the customer's *day total* is this order plus their other orders of the same
business day (Asia/Shanghai, `TIME_ZONE`) that were paid that day, or still wait for a payment
started that day which has not failed — so two large orders paid side by side cannot each stay under the line. At or
above `AURIC_STEP_UP_THRESHOLD` (in its currency) the payment needs (a) the customer's identity
verification (`accounts.identity`, 403 `identity_verification_required` otherwise), (b) a step-up
for exactly this payment even when the order alone is below the threshold, and (c) leaves a
`LargeTransactionReport` for the compliance officer, written in the payment's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from auric.accounts import identity, stepup
from auric.accounts.models import IdentityVerification, User
from auric.core.errors import ValidationFailed
from auric.orders.models import Order
from auric.orders.states import State
from auric.payments.models import LargeTransactionReport, Payment

_LIVE_PAYMENT_STATES = (Payment.State.CREATED, Payment.State.SUCCEEDED)


@dataclass(frozen=True)
class DayTotal:
    business_day: date
    total: Decimal  # this order included
    currency: str

    @property
    def reaches_threshold(self) -> bool:
        limit = stepup.threshold()
        return self.currency == limit.currency and self.total >= limit.amount


def business_day_bounds(at: datetime) -> tuple[date, datetime, datetime]:
    """The business day (in TIME_ZONE, Asia/Shanghai) containing `at`, and its start and end."""
    day = timezone.localtime(at).date()
    start = timezone.make_aware(datetime.combine(day, time.min))
    return day, start, start + timedelta(days=1)


def day_total(*, order: Order, at: datetime | None = None) -> DayTotal:
    """This order's total plus the same customer's other orders of the business day, in its currency."""
    day, start, end = business_day_bounds(at or timezone.now())
    others = Decimal("0")
    if order.user_id is not None:
        started_today = Payment.objects.filter(
            order__user_id=order.user_id, created_at__gte=start, created_at__lt=end, state__in=_LIVE_PAYMENT_STATES
        )
        others = (
            Order.objects.filter(user_id=order.user_id, currency=order.currency)
            .exclude(pk=order.pk)
            .filter(
                Q(paid_at__gte=start, paid_at__lt=end)
                | Q(state=State.PENDING_PAYMENT, pk__in=started_today.values("order_id"))
            )
            .aggregate(total=Sum("total"))["total"]
        ) or Decimal("0")
    return DayTotal(business_day=day, total=order.total + others, currency=order.currency)


def check_large_purchase(*, order: Order) -> tuple[DayTotal, IdentityVerification | None]:
    """Inside the payment's transaction, with the order locked: lock the customer (payments of one
    customer are checked one at a time), compute the day total and, when it reaches the threshold,
    require the identity verification. Returns the day total and the verification (None below)."""
    if order.user_id is not None:
        User.objects.select_for_update().filter(pk=order.user_id).first()
    total = day_total(order=order)
    if not total.reaches_threshold or order.user is None:
        return total, None
    return total, identity.require_identity_verification(user=order.user)


def record_report(*, order: Order, total: DayTotal, verification: IdentityVerification) -> LargeTransactionReport:
    """The compliance officer's record of this large transaction: one per order; a retried payment
    updates the amounts (and sends a reviewed report back to review if they changed)."""
    report, created = LargeTransactionReport.objects.get_or_create(
        order=order,
        defaults={
            "user_id": verification.user_id,
            "identity": verification,
            "amount": order.total,
            "day_total": total.total,
            "currency": total.currency,
            "business_day": total.business_day,
        },
    )
    if not created and (report.amount, report.day_total) != (order.total, total.total):
        report.amount, report.day_total, report.business_day = order.total, total.total, total.business_day
        report.status, report.updated_at = LargeTransactionReport.Status.PENDING_REVIEW, timezone.now()
        report.save(update_fields=["amount", "day_total", "business_day", "status", "updated_at"])
    return report


def review_report(*, report: LargeTransactionReport, status: str, note: str, reviewer: Any) -> LargeTransactionReport:
    """The compliance officer's decision on a report (admin)."""
    if status not in LargeTransactionReport.Status.values:
        raise ValidationFailed(errors={"status": ["unknown status"]})
    with transaction.atomic():
        locked = LargeTransactionReport.objects.select_for_update().get(pk=report.pk)
        now = timezone.now()
        locked.status, locked.review_note, locked.updated_at = status, note[:4000], now
        if status != LargeTransactionReport.Status.PENDING_REVIEW:
            locked.reviewed_by, locked.reviewed_at = reviewer, now
        locked.save(update_fields=["status", "review_note", "updated_at", "reviewed_by", "reviewed_at"])
    return locked
