"""Payments: one attempt to pay an order through a provider, its refunds, and every provider
callback received (the record that makes callbacks idempotent)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.core.fields import money_field
from auric.orders.models import Order


class Payment(models.Model):
    class State(models.TextChoices):
        CREATED = "created", "待支付 Created"
        SUCCEEDED = "succeeded", "已支付 Succeeded"
        FAILED = "failed", "支付失败 Failed"
        ABANDONED = "abandoned", "已放弃 Abandoned"

    # A UUID: the hosted page and callbacks name payments by an id that cannot be enumerated.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="payments")
    provider = models.CharField(max_length=30)
    # A snapshot of the order total when the payment started.
    amount = money_field()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=12, choices=State.choices, default=State.CREATED, db_index=True)
    provider_reference = models.CharField(max_length=100, blank=True)
    redirect_url = models.CharField(max_length=500, blank=True)
    qr_payload = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.provider} {self.amount} {self.currency} for {self.order_id} ({self.state})"

    @property
    def reference(self) -> str:
        """What the order records as its payment reference."""
        return f"{self.provider}:{self.provider_reference or self.pk}"


class Refund(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "处理中 Pending"
        SUCCEEDED = "succeeded", "已退款 Succeeded"
        FAILED = "failed", "失败 Failed"

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    currency = models.CharField(max_length=3)
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    provider_reference = models.CharField(max_length=100, blank=True)
    reason = models.CharField(max_length=300)
    # What the refund is for (e.g. "return:12"): a retry with the same key resumes this refund instead
    # of starting another, so a process that died around the provider call cannot refund twice.
    key = models.CharField(max_length=80, blank=True)
    # {order line id: amount} given back per line; recorded on the lines with the refund, in one transaction.
    line_amounts = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="refund_amount_positive"),
            # One live (pending or succeeded) refund per key; a failed one may be tried again.
            models.UniqueConstraint(
                fields=["payment", "key"],
                condition=~models.Q(key="") & ~models.Q(state="failed"),
                name="refund_key_once_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} of {self.payment_id} ({self.state})"


class ProviderCallback(models.Model):
    """Every callback a provider sent, valid or not. A provider event is applied at most once:
    (provider, provider_event_id) is unique among callbacks accepted for a known payment."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "Applied"
        IGNORED = "ignored", "Ignored: the payment had already reached a final state"
        AMOUNT_MISMATCH = "amount_mismatch", "Refused: amount or currency differ from the payment"
        NEEDS_ATTENTION = "needs_attention", "Paid, but the order could not take the payment"
        REJECTED = "rejected", "Rejected: signature, timestamp or body invalid"
        UNKNOWN_PAYMENT = "unknown_payment", "Refused: no such payment"

    provider = models.CharField(max_length=30)
    provider_event_id = models.CharField(max_length=100, blank=True)
    payment = models.ForeignKey(Payment, null=True, blank=True, on_delete=models.PROTECT, related_name="callbacks")
    status = models.CharField(max_length=12, blank=True)
    raw_body = models.TextField(blank=True)
    signature_valid = models.BooleanField(default=False)
    received_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_event_id"],
                condition=models.Q(payment__isnull=False),
                name="provider_event_applied_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.provider_event_id} → {self.outcome}"


class LargeTransactionReport(models.Model):
    """A payment that brought a customer's purchases of one business day (Asia/Shanghai) to the
    step-up threshold or above (COMPLIANCE D4), for the compliance officer to review. Written when the
    payment starts (after identity verification and step-up), one per order; a retry updates it."""

    class Status(models.TextChoices):
        PENDING_REVIEW = "pending_review", "待审核 Pending review"
        REVIEWED = "reviewed", "已审核 Reviewed, nothing to report"
        REPORTED = "reported", "已上报 Reported to the authority"

    order = models.OneToOneField(Order, on_delete=models.PROTECT, related_name="large_transaction_report")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    identity = models.ForeignKey(
        "accounts.IdentityVerification", on_delete=models.PROTECT, related_name="large_transaction_reports"
    )
    amount = money_field()
    day_total = money_field(help_text="The customer's purchases that business day, this order included")
    currency = models.CharField(max_length=3)
    business_day = models.DateField(help_text="Asia/Shanghai")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING_REVIEW, db_index=True)
    review_note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "large-transaction report"

    def __str__(self) -> str:
        return f"large transaction {self.order_id}: {self.day_total} {self.currency} on {self.business_day}"
