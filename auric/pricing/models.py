"""Pricing: the daily metal price book, flash prices and the public price-change log."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone

from auric.catalog.models import Metal, Piece, Style
from auric.core.fields import money_field


class MetalPrice(models.Model):
    """Price per gram of one metal at one fineness on one day. One row per day; history kept."""

    class Source(models.TextChoices):
        OPERATOR = "operator", "后台录入 Operator"
        CSV = "csv", "CSV 导入 CSV import"
        API = "api", "API"
        FEED = "feed", "行情 Feed"

    metal = models.CharField(max_length=10, choices=Metal.choices)
    fineness = models.PositiveSmallIntegerField()
    on_date = models.DateField(db_index=True)
    price_per_gram = models.DecimalField(
        max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    currency = models.CharField(max_length=3, default="CNY")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.OPERATOR)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on_date", "metal", "fineness"]
        constraints = [
            models.UniqueConstraint(fields=["metal", "fineness", "on_date", "currency"], name="metal_price_per_day"),
            models.CheckConstraint(condition=models.Q(price_per_gram__gt=0), name="metal_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.on_date} {self.metal} {self.fineness}‰ {self.price_per_gram}/g"


class FlashPrice(models.Model):
    """A time-limited price for a style: a fixed price, or a percentage off."""

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="flash_prices")
    label = models.CharField(max_length=60, blank=True)
    price = money_field(null=True, blank=True)
    percent_off = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="flash_ends_after_start"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(price__isnull=False, percent_off__isnull=True)
                    | models.Q(price__isnull=True, percent_off__isnull=False)
                ),
                name="flash_price_or_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(percent_off__isnull=True) | models.Q(percent_off__gt=0, percent_off__lt=100),
                name="flash_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.style_id} {self.label} {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%Y-%m-%d %H:%M}"


class PriceChange(models.Model):
    """Public log of price changes per style (and per piece for unique pieces)."""

    class Reason(models.TextChoices):
        METAL_PRICE = "metal_price", "金价调整 Metal price"
        LABOUR_FEE = "labour_fee", "工费调整 Labour fee"
        FIXED_PRICE = "fixed_price", "定价调整 Price set"
        LIST_PRICE = "list_price", "划线价调整 List price"
        FLASH_START = "flash_start", "限时价开始 Flash price starts"
        FLASH_END = "flash_end", "限时价结束 Flash price ends"

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="price_changes")
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.CASCADE, related_name="price_changes")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    old_amount = money_field(null=True, blank=True)
    new_amount = money_field(null=True, blank=True)
    currency = models.CharField(max_length=3, default="CNY")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d} {self.style_id} {self.old_amount} → {self.new_amount}"
