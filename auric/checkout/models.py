"""Checkout: carts (guests and accounts), price locks for weight-priced pieces, coupons.

A cart line is either one unique piece (at most once per cart) or a quantity of a non-serialized
variant. Prices are never stored on a line: the cart always shows the live price; a `PriceLock`
holds a by-weight piece's price for a short time once checkout starts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.catalog.models import Piece, Variant
from auric.core.fields import money_field


class Cart(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="cart"
    )
    # A guest cart is found by a random key kept in the guest's session (it survives login).
    session_key = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session_key"], condition=~models.Q(session_key=""), name="cart_unique_session_key"
            ),
        ]

    def __str__(self) -> str:
        return f"cart {self.pk} ({self.user_id or 'guest'})"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "piece"], condition=models.Q(piece__isnull=False), name="cart_piece_once"
            ),
            models.UniqueConstraint(
                fields=["cart", "variant"], condition=models.Q(piece__isnull=True), name="cart_variant_once"
            ),
            models.CheckConstraint(
                condition=models.Q(piece__isnull=True) | models.Q(quantity=1), name="cart_piece_quantity_one"
            ),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.cart_id}: {self.piece_id or self.variant_id} × {self.quantity}"


class PriceLock(models.Model):
    """A by-weight piece's price held for one cart while the shopper checks out."""

    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="price_locks")
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="+")
    price = money_field()
    currency = models.CharField(max_length=3, default="CNY")
    breakdown = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cart", "piece"], name="price_lock_once_per_piece")]

    def __str__(self) -> str:
        return f"{self.piece_id} @ {self.price} until {self.expires_at:%H:%M}"


class Coupon(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", "折扣 Percentage off"
        FIXED = "fixed", "立减 Fixed amount off"
        THRESHOLD = "threshold", "满减 Spend X save Y"

    code = models.CharField(max_length=40, unique=True, help_text="Stored upper-case; matched case-insensitively")
    label = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    amount_off = money_field(null=True, blank=True)
    min_spend = money_field(default=0, help_text="Goods subtotal needed (满 X); 0 = none")
    max_discount = money_field(null=True, blank=True, help_text="Cap for percentage coupons")
    currency = models.CharField(max_length=3, default="CNY")
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Total uses; empty = unlimited")
    used = models.PositiveIntegerField(default=0)
    per_customer_limit = models.PositiveIntegerField(default=1)
    is_active = models.BooleanField(default=True)
    # A coupon for one customer only (a trade-in credit): nobody else can apply or redeem it.
    bound_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Only this customer may use it; empty: anyone",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(usage_limit__isnull=True) | models.Q(used__lte=models.F("usage_limit")),
                name="coupon_used_within_limit",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="percent", percent_off__gt=0, percent_off__lte=100)
                    | models.Q(kind__in=["fixed", "threshold"], amount_off__gt=0)
                ),
                name="coupon_terms_match_kind",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class CouponRedemption(models.Model):
    """One use of a coupon by a customer; `seq` (1..per_customer_limit) makes the limit a unique row."""

    coupon = models.ForeignKey(Coupon, on_delete=models.PROTECT, related_name="redemptions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    seq = models.PositiveIntegerField(default=1)
    order = models.OneToOneField("orders.Order", on_delete=models.CASCADE, related_name="coupon_redemption")
    amount = money_field()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["coupon", "user", "seq"], name="coupon_redemption_per_customer")]

    def __str__(self) -> str:
        return f"{self.coupon_id} by {self.user_id} #{self.seq}"
