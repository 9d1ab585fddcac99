"""Quality gates: inspections of pieces, their readings, tolerances and spot-check sampling plans.

An inspection is one piece at one gate (inbound, storage spot check, outbound re-check) at one
station. Readings are entered independently — by instrument and by a person, the core values twice —
and the verdict compares the verified values with what the piece declares (docs/quality.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.catalog.models import Category, Piece
from auric.inventory.models import Location


class Gate(models.TextChoices):
    INBOUND = "inbound", "入库检验 Inbound inspection"
    STORAGE = "storage", "库存抽检 Storage spot check"
    OUTBOUND = "outbound", "出库复检 Outbound re-check"
    # Pieces in a customer's hands, measured at a store: before a buyback or trade-in, and the
    # independent re-test of a guarantee claim ("fake one, pay ten").
    BUYBACK = "buyback", "回购检测 Buyback test"
    CLAIM = "claim", "理赔复检 Guarantee re-test"


CUSTOMER_GATES = frozenset({Gate.BUYBACK, Gate.CLAIM})


class Inspection(models.Model):
    class State(models.TextChoices):
        OPEN = "open", "待检 Open"
        ESCALATED = "escalated", "待复核 Escalated to a senior inspector"
        PASSED = "passed", "合格 Passed"
        FAILED = "failed", "不合格 Failed"

    OPEN_STATES = (State.OPEN, State.ESCALATED)

    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="inspections")
    gate = models.CharField(max_length=10, choices=Gate.choices)
    station = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="inspections")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    reference = models.CharField(max_length=60, blank=True, help_text="Order number, spot-check sample …")
    sample = models.ForeignKey(
        "SpotCheckSample", null=True, blank=True, on_delete=models.PROTECT, related_name="inspections"
    )
    opened_at = models.DateTimeField(default=timezone.now)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # The values the verdict used (each dual-verified where required) and why it failed, if it did.
    verified = models.JSONField(default=dict, blank=True)
    reasons = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["piece", "gate"],
                condition=models.Q(state__in=["open", "escalated"]),
                name="one_open_inspection_per_piece_and_gate",
            )
        ]
        indexes = [models.Index(fields=["station", "state"], name="inspection_station_state_idx")]
        permissions = [
            ("inspect", "Can enter inspection readings"),
            ("senior_inspect", "Can resolve escalated inspections (senior inspector)"),
        ]

    def __str__(self) -> str:
        return f"{self.get_gate_display()} #{self.pk} ({self.state})"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES


class Reading(models.Model):
    """One independent set of measured values. Values are stored in their canonical units."""

    class Role(models.TextChoices):
        INSTRUMENT = "instrument", "仪器 Instrument"
        PERSON = "person", "人工 Independent person"
        SENIOR = "senior", "高级质检员 Senior inspector"

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="readings")
    role = models.CharField(max_length=10, choices=Role.choices)
    inspector = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    instrument_id = models.CharField(max_length=60, blank=True)
    weight_g = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)
    fineness_permille = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    carat = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    colour = models.CharField(max_length=2, blank=True)
    clarity = models.CharField(max_length=4, blank=True)
    stone_count = models.PositiveSmallIntegerField(null=True, blank=True)
    length_mm = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    width_mm = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    height_mm = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    defects = models.JSONField(default=list, blank=True)
    taken_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["taken_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["inspection", "role"], name="one_reading_per_role")]

    def __str__(self) -> str:
        return f"{self.get_role_display()} reading of inspection {self.inspection_id}"


class InspectionPhoto(models.Model):
    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="photos")
    file = models.ImageField(upload_to="quality/%Y/%m/")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Photo {self.pk} of inspection {self.inspection_id}"


class Tolerance(models.Model):
    """How far a reading may be from the declared value (or from the other reading) and still agree.

    Weight tolerances come in bands by the piece's declared weight (the first band whose `up_to`
    covers it). Grades (colour, clarity) are in steps of the GIA scale.
    """

    class Attribute(models.TextChoices):
        WEIGHT = "weight_g", "重量 Weight (g)"
        FINENESS = "fineness_permille", "成色 Fineness (‰)"
        CARAT = "carat", "克拉 Carat"
        COLOUR = "colour", "颜色 Colour (grades)"
        CLARITY = "clarity", "净度 Clarity (grades)"

    class Against(models.TextChoices):
        DECLARED = "declared", "与申报值 Against the declared value"
        READING = "reading", "两次读数之间 Between two readings"

    attribute = models.CharField(max_length=20, choices=Attribute.choices)
    against = models.CharField(max_length=10, choices=Against.choices)
    up_to_weight_g = models.DecimalField(
        max_digits=9, decimal_places=3, null=True, blank=True, help_text="Band upper bound (weight); empty: any"
    )
    plus_minus = models.DecimalField(max_digits=9, decimal_places=3)

    class Meta:
        ordering = ["attribute", "against", models.F("up_to_weight_g").asc(nulls_last=True)]
        constraints = [
            models.UniqueConstraint(fields=["attribute", "against", "up_to_weight_g"], name="one_tolerance_per_band"),
            models.CheckConstraint(condition=models.Q(plus_minus__gte=0), name="tolerance_not_negative"),
        ]

    def __str__(self) -> str:
        band = f" ≤ {self.up_to_weight_g} g" if self.up_to_weight_g is not None else ""
        return f"{self.get_attribute_display()} {self.against}{band}: ±{self.plus_minus}"


class SamplingPlan(models.Model):
    """Storage spot checks at one location (optionally one category): how many, how often."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="sampling_plans")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sample_size = models.PositiveSmallIntegerField(default=5)
    every_days = models.PositiveSmallIntegerField(default=30)
    next_due = models.DateField(default=timezone.localdate)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(sample_size__gte=1), name="sample_size_positive"),
            models.CheckConstraint(condition=models.Q(every_days__gte=1), name="every_days_positive"),
        ]

    def __str__(self) -> str:
        scope = self.category.name if self.category is not None else "all"
        return f"{self.location} · {scope} · {self.sample_size} every {self.every_days} days"


class SpotCheckSample(models.Model):
    """One drawing of a plan: the pieces the system chose (not the inspector)."""

    plan = models.ForeignKey(SamplingPlan, on_delete=models.PROTECT, related_name="samples")
    drawn_at = models.DateTimeField(default=timezone.now)
    population = models.PositiveIntegerField(help_text="Pieces it was drawn from")

    def __str__(self) -> str:
        return f"Sample {self.pk} of plan {self.plan_id}"
