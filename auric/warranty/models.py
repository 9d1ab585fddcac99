"""E-warranty ("smart contract"): terms per category, one card per sold piece, its entitlements, the
redemptions that consume them, and the service requests (bookings) that redeem them.

A card is issued when its order is paid, bound to the buyer's account (`holder`) and re-bound when
the piece is resold; its terms are snapshotted at issue and hashed (RFC 8785, SHA-256) with no
personal data, and that hash is what the provenance log carries. Redemptions are unique per
(entitlement, period, slot) among the live ones, so an allowance can never be consumed twice, even
by concurrent bookings. Weights are grams with 3 decimals; times are UTC.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from auric.catalog.models import Metal, Piece
from auric.inventory.models import Location
from auric.warranty.states import CardStatus, Channel, Period, ServiceKind, ServiceState

MAX_MONTHS = 1200


class WarrantyTerms(models.Model):
    """The warranty a category's pieces get; the row with no category is the default."""

    category_slug = models.SlugField(
        max_length=80,
        blank=True,
        unique=True,
        help_text="A catalog category's slug (its sub-categories inherit these terms); blank: the default terms",
    )
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=120, blank=True)
    duration_months = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="How long an entitlement lasts unless it says otherwise",
    )
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["category_slug"]
        verbose_name = "warranty terms"
        verbose_name_plural = "warranty terms"

    def __str__(self) -> str:
        return f"{self.name} ({self.category_slug or 'default'})"


class TermsEntitlement(models.Model):
    """One free service of a set of terms: how often, for how long, and for which metal."""

    terms = models.ForeignKey(WarrantyTerms, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.CharField(max_length=24, choices=ServiceKind.choices)
    allowance = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Free services per period; blank: as often as needed",
    )
    period = models.CharField(max_length=10, choices=Period.choices, default=Period.TOTAL)
    months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_MONTHS)],
        help_text="Blank: the terms' duration",
    )
    lifetime = models.BooleanField(default=False, help_text="Never ends (e.g. re-plating of silver)")
    metal = models.CharField(max_length=10, choices=Metal.choices, blank=True, help_text="Only for this metal")

    class Meta:
        ordering = ["terms", "kind", "metal"]
        constraints = [
            models.UniqueConstraint(fields=["terms", "kind", "metal"], name="warranty_terms_kind_metal_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} × {self.allowance or '∞'} {self.period}"


class WarrantyCard(models.Model):
    """One piece's warranty from one paid order line."""

    number = models.CharField(max_length=16, unique=True)
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="warranty_cards")
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="warranty_cards"
    )
    piece_public_id = models.CharField(max_length=64, help_text="The piece's id in the provenance log")
    status = models.CharField(
        max_length=10,
        choices=[
            (CardStatus.ACTIVE.value, CardStatus.ACTIVE.label),
            (CardStatus.CANCELLED.value, CardStatus.CANCELLED.label),
        ],
        default=CardStatus.ACTIVE,
        db_index=True,
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: an entitlement lasts for life")
    terms = models.JSONField(help_text="The terms as issued (later edits of the terms do not change a card)")
    card_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the card's canonical JSON, as logged")
    issued_at = models.DateTimeField(default=timezone.now)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line", "piece"], name="warranty_card_one_per_piece_and_line"),
        ]

    def __str__(self) -> str:
        return self.number

    def status_on(self, moment: datetime | None = None) -> str:
        """active, cancelled, or expired once its last entitlement ended."""
        if self.status == CardStatus.CANCELLED:
            return CardStatus.CANCELLED
        if self.ends_at is not None and self.ends_at <= (moment or timezone.now()):
            return CardStatus.EXPIRED
        return CardStatus.ACTIVE


class CardEntitlement(models.Model):
    card = models.ForeignKey(WarrantyCard, on_delete=models.CASCADE, related_name="entitlements")
    kind = models.CharField(max_length=24, choices=ServiceKind.choices)
    allowance = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Blank: as often as needed")
    period = models.CharField(max_length=10, choices=Period.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True, help_text="Blank: for life")

    class Meta:
        ordering = ["card", "kind"]
        constraints = [models.UniqueConstraint(fields=["card", "kind"], name="warranty_entitlement_kind_unique")]

    def __str__(self) -> str:
        return f"{self.card_id}: {self.kind}"


class ServiceRequest(models.Model):
    """A booked service of a card's piece, from booking to the piece's return."""

    reference = models.CharField(max_length=16, unique=True)
    card = models.ForeignKey(WarrantyCard, on_delete=models.PROTECT, related_name="service_requests")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=24, choices=ServiceKind.choices)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    requested_on = models.DateField()
    state = models.CharField(max_length=10, choices=ServiceState.choices, default=ServiceState.BOOKED, db_index=True)
    chargeable = models.BooleanField(default=False, help_text="No entitlement covers it: the shopper pays")
    note = models.CharField(max_length=300, blank=True)
    booked_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    work_started_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    weight_in_g = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    weight_out_g = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    staff_note = models.CharField(max_length=300, blank=True)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-booked_at", "-id"]
        # The counter steps (intake, work, return, cancel): not an edit of the row, which only the
        # services change, so store staff get this and no change permission.
        permissions = [("serve_servicerequest", "Can record intake, work and return of service requests")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(weight_in_g__isnull=True) | models.Q(weight_in_g__gt=Decimal("0")),
                name="warranty_service_weight_in_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(weight_out_g__isnull=True) | models.Q(weight_out_g__gt=Decimal("0")),
                name="warranty_service_weight_out_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def weight_change_g(self) -> Decimal | None:
        if self.weight_in_g is None or self.weight_out_g is None:
            return None
        return self.weight_out_g - self.weight_in_g


class Redemption(models.Model):
    """One use of an entitlement by one service request. A live redemption holds its slot of the
    period's allowance; cancelling the booking voids it and frees the slot."""

    entitlement = models.ForeignKey(CardEntitlement, on_delete=models.PROTECT, related_name="redemptions")
    service_request = models.OneToOneField(ServiceRequest, on_delete=models.PROTECT, related_name="redemption")
    period_index = models.PositiveSmallIntegerField(help_text="0 for the first card year (or for all, in total)")
    slot = models.PositiveIntegerField(help_text="1 … allowance within the period")
    redeemed_at = models.DateTimeField(default=timezone.now)
    performed_at = models.DateTimeField(null=True, blank=True)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["redeemed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["entitlement", "period_index", "slot"],
                condition=models.Q(voided_at__isnull=True),
                name="warranty_redemption_slot_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id} #{self.period_index}.{self.slot}"


class ServicePhoto(models.Model):
    """A photo taken at intake (optional), to show the piece's condition."""

    service_request = models.ForeignKey(ServiceRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(upload_to="warranty/intake/%Y/%m/")
    sha256 = models.CharField(max_length=64)
    taken_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return str(self.image.name)
