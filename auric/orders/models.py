"""Orders: what was bought, at what price, how it reaches the shopper, and every state it passed.

Personal data (address, phone, contact) is kept through `auric.privacy` as tokens with masked
forms. Lines snapshot the price breakdown at the time of sale.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.catalog.models import Piece, Variant
from auric.core.fields import money_field
from auric.inventory.models import Location, Reservation
from auric.orders.states import State


class Order(models.Model):
    class Delivery(models.TextChoices):
        SHIP = "ship", "快递 Ship"
        PICKUP = "pickup", "门店自提 Pick up in store"

    number = models.CharField(max_length=20, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="orders"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING_PAYMENT, db_index=True)
    currency = models.CharField(max_length=3, default="CNY")
    subtotal = money_field()
    discount_total = money_field(default=Decimal("0.00"))
    shipping_total = money_field(default=Decimal("0.00"))
    total = money_field()
    refunded_total = money_field(default=Decimal("0.00"))
    delivery_method = models.CharField(max_length=10, choices=Delivery.choices)
    pickup_location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    address_token = models.CharField(max_length=40, blank=True)
    address_masked = models.CharField(max_length=200, blank=True)
    phone_token = models.CharField(max_length=40, blank=True)
    phone_masked = models.CharField(max_length=30, blank=True)
    # Who receives the parcel (the address's name), kept through privacy like the address.
    recipient_token = models.CharField(max_length=40, blank=True)
    recipient_masked = models.CharField(max_length=120, blank=True)
    # Insured shipping: the goods value (after discounts) the carrier insures, in the order currency.
    is_insured = models.BooleanField(default=False)
    insured_value = money_field(null=True, blank=True)
    invoice = models.JSONField(default=dict, blank=True)
    customised_confirmed = models.BooleanField(default=False)
    pickup_code = models.CharField(max_length=8, blank=True)
    carrier = models.CharField(max_length=40, blank=True)
    tracking_number = models.CharField(max_length=60, blank=True)
    placed_at = models.DateTimeField(default=timezone.now, db_index=True)
    pay_by = models.DateTimeField(help_text="Unpaid orders are cancelled after this")
    paid_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    return_window_ends_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # A keyed fingerprint (HMAC, privacy index key) of the shipping address without name and phone:
    # equal addresses share it, nothing can be read from it. Lets the risk engine count address
    # changes without revealing an address (docs/adr/0010-risk-engine.md).
    address_fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # A review hold (set and lifted only by `services.hold_order`/`release_hold`): a held order cannot
    # be paid (payments refuses) nor fulfilled (`move_order` refuses processing and later states).
    held_for_review = models.BooleanField(default=False, db_index=True)
    hold_reason = models.CharField(max_length=300, blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    hold_released_at = models.DateTimeField(null=True, blank=True)
    # Set by `services.require_step_up_for_payment`: the payment needs a step-up whatever the total.
    payment_step_up_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["-placed_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_not_negative"),
            models.CheckConstraint(
                condition=models.Q(refunded_total__lte=models.F("total")), name="order_refund_within_total"
            ),
            models.CheckConstraint(
                condition=models.Q(is_insured=False, insured_value__isnull=True)
                | models.Q(is_insured=True, insured_value__gte=0),
                name="order_insured_value_iff_insured",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.PROTECT, related_name="order_lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    reservation = models.ForeignKey(Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=160)
    serial_number = models.CharField(max_length=40, blank=True)
    quantity = models.PositiveIntegerField(default=1)
    unit_price = money_field()
    list_price = money_field(null=True, blank=True)
    discount = money_field(default=Decimal("0.00"))
    line_total = money_field()
    # The breakdown at the time of sale, for the invoice and later disputes.
    breakdown = models.JSONField(default=dict, blank=True)
    is_customised = models.BooleanField(default=False)
    refunded_amount = money_field(default=Decimal("0.00"))

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.title} × {self.quantity}"


class OrderDiscount(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="discounts")
    code = models.CharField(max_length=40, blank=True)
    label = models.CharField(max_length=120)
    amount = money_field()

    def __str__(self) -> str:
        return f"{self.label} −{self.amount}"


class OrderTransition(models.Model):
    """The order's timeline: every state it entered, who moved it, when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    to_state = models.CharField(max_length=20, choices=State.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=150, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.order_id} {self.from_state or '∅'} → {self.to_state}"


# --- returns (R1, R2; see docs/orders.md "Returns") ------------------------------------------------


class ReturnRequest(models.Model):
    """A shopper's request to send lines of a delivered order back, and what became of it.

    requested → approved → received (inspected) → refunded, or rejected. Moves are conditional
    updates in `auric.orders.returns`; an open return (requested, approved, received) keeps the
    order from being completed.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", "退货申请中 Requested"
        APPROVED = "approved", "已同意 Approved"
        RECEIVED = "received", "已收货 Received"
        REFUNDED = "refunded", "已退款 Refunded"
        REJECTED = "rejected", "已拒绝 Rejected"

    class Inspection(models.TextChoices):
        PASSED = "passed", "Passed"
        FAILED = "failed", "Failed"

    OPEN_STATES = ("requested", "approved", "received")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="returns")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    state = models.CharField(max_length=12, choices=State.choices, default=State.REQUESTED, db_index=True)
    currency = models.CharField(max_length=3, default="CNY")
    amount = money_field(help_text="What the returned lines were paid (net of their discount share)")
    inspection = models.CharField(max_length=8, choices=Inspection.choices, blank=True)
    note = models.CharField(max_length=300, blank=True, help_text="Staff note: why rejected, inspection findings")
    requested_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)
    refund_reference = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self) -> str:
        return f"return {self.pk} of {self.order_id} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class ReturnLine(models.Model):
    class Reason(models.TextChoices):
        NO_REASON = "no_reason", "七天无理由 No reason (7-day return)"
        DEFECTIVE = "defective", "质量问题 Defective"
        WRONG_SIZE = "wrong_size", "尺寸不合 Wrong size"
        NOT_AS_DESCRIBED = "not_as_described", "与描述不符 Not as described"
        OTHER = "other", "其他 Other"

    return_request = models.ForeignKey(ReturnRequest, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(OrderLine, on_delete=models.PROTECT, related_name="return_lines")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    quantity = models.PositiveIntegerField(default=1)
    amount = money_field()

    class Meta:
        ordering = ["return_request", "id"]
        constraints = [
            models.UniqueConstraint(fields=["return_request", "order_line"], name="return_line_once_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.return_request_id}: line {self.order_line_id} ({self.reason})"
