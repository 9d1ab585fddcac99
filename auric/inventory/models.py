"""Inventory: locations, the stock journal, piece stock state, quantity stock and reservations.

Every movement is a journal row (`StockMovement`). A piece's current location and status
(`PieceStock`) are the running result of its journal and are written only by
`inventory.services`, in the same transaction as the journal row; `replay_piece_state()` rebuilds
them from the journal and tests hold the two equal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.catalog.models import Piece, Variant


class Franchise(models.Model):
    """A franchise partner that owns some of the stores. Its owners (the *franchisee* role, see
    `accounts.roles`) see and act on the stock, transfers and pickup orders of the franchise's stores
    only — as store staff do for the stores they are assigned to."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    owners = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="franchises")

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    class Kind(models.TextChoices):
        WAREHOUSE = "warehouse", "仓库 Warehouse"
        STORE = "store", "门店 Store"
        IN_TRANSIT = "in_transit", "在途 In transit"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=120, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    city = models.CharField(max_length=40, blank=True)
    city_en = models.CharField(max_length=60, blank=True)
    address = models.CharField(max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    opening_hours = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=30, blank=True)
    # Stock here is sold online (warehouses; stores that ship).
    sells_online = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="locations")
    # A franchised store; None for the brand's own stores and warehouses.
    franchise = models.ForeignKey(Franchise, null=True, blank=True, on_delete=models.PROTECT, related_name="locations")

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="location_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="location_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class PieceStatus(models.TextChoices):
    AVAILABLE = "available", "可售 Available"
    RESERVED = "reserved", "已预留 Reserved"
    IN_TRANSIT = "in_transit", "调拨中 In transit"
    SOLD = "sold", "已售 Sold"
    QUARANTINED = "quarantined", "隔离 Quarantined"
    # Quality gates (auric.quality): a piece held for inspection, and one that failed it. A failed piece
    # leaves only through a later passing inspection, never by a manual release.
    INSPECTING = "inspecting", "待检 Awaiting inspection"
    FAILED_QC = "failed_qc", "检验不合格 Failed inspection"


class PieceStock(models.Model):
    """Where a piece is and whether it can be sold; the running result of its journal."""

    piece = models.OneToOneField(Piece, primary_key=True, on_delete=models.CASCADE, related_name="stock")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="piece_stock")
    status = models.CharField(max_length=12, choices=PieceStatus.choices, db_index=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["location", "status"], name="piecestock_location_status_idx")]

    def __str__(self) -> str:
        return f"{self.piece_id} {self.status} @ {self.location_id}"


class StockLevel(models.Model):
    """Quantity stock of a non-serialized variant at one location."""

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="stock_levels")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = models.PositiveIntegerField(default=0)
    reserved = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="stock_level_unique"),
            models.CheckConstraint(
                condition=models.Q(reserved__lte=models.F("on_hand")), name="stock_reserved_within_on_hand"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.on_hand} ({self.reserved} reserved)"

    @property
    def available(self) -> int:
        return self.on_hand - self.reserved


class Reservation(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        RELEASED = "released", "Released"
        CONSUMED = "consumed", "Consumed"
        EXPIRED = "expired", "Expired"

    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.PROTECT, related_name="reservations")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="reservations")
    quantity = models.PositiveIntegerField(default=1)
    reference = models.CharField(max_length=60, help_text="What holds it, e.g. an order number")
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(piece__isnull=False, variant__isnull=True)
                    | models.Q(piece__isnull=True, variant__isnull=False)
                ),
                name="reservation_piece_or_variant",
            ),
            # At most one active hold per piece, whatever the service layer does.
            models.UniqueConstraint(
                fields=["piece"],
                condition=models.Q(state="active", piece__isnull=False),
                name="one_active_reservation_per_piece",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.state}"


class Transfer(models.Model):
    class State(models.TextChoices):
        IN_TRANSIT = "in_transit", "调拨中 In transit"
        RECEIVED = "received", "已到货 Received"

    from_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_out")
    to_location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="transfers_in")
    state = models.CharField(max_length=12, choices=State.choices, default=State.IN_TRANSIT)
    created_at = models.DateTimeField(default=timezone.now)
    received_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    pieces = models.ManyToManyField(Piece, blank=True, related_name="transfers")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"T{self.pk} {self.from_location_id}→{self.to_location_id}"


class StockMovement(models.Model):
    """One line of the stock journal. Append-only."""

    class Kind(models.TextChoices):
        RECEIVED = "received", "入库 Received"
        TRANSFER_OUT = "transfer_out", "调出 Transferred out"
        TRANSFER_IN = "transfer_in", "调入 Transferred in"
        RESERVED = "reserved", "预留 Reserved"
        RELEASED = "released", "释放 Released"
        SOLD = "sold", "售出 Sold"
        RETURNED = "returned", "退回 Returned"
        ADJUSTED = "adjusted", "盘点调整 Adjusted"
        QUARANTINED = "quarantined", "隔离 Quarantined"
        INSPECTION_HOLD = "qc_hold", "待检 Held for inspection"
        INSPECTION_PASSED = "qc_passed", "检验合格 Passed inspection"
        INSPECTION_FAILED = "qc_failed", "检验不合格 Failed inspection"

    at = models.DateTimeField(default=timezone.now, db_index=True)
    kind = models.CharField(max_length=14, choices=Kind.choices)
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    variant = models.ForeignKey(Variant, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    quantity = models.IntegerField(default=1)
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="movements")
    counterpart = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reservation = models.ForeignKey(
        Reservation, null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    transfer = models.ForeignKey(Transfer, null=True, blank=True, on_delete=models.PROTECT, related_name="movements")
    reference = models.CharField(max_length=60, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(piece__isnull=False, variant__isnull=True)
                    | models.Q(piece__isnull=True, variant__isnull=False)
                ),
                name="movement_piece_or_variant",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.piece_id or self.variant_id} @ {self.location_id}"
