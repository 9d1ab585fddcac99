"""Quality gates: inspections of pieces, their readings, tolerances and spot-check sampling plans.

An inspection is one piece at one gate (inbound, storage spot check, outbound re-check) at one
station. Readings are entered independently — by instrument and by a person, the core values twice —
and the verdict compares the verified values with what the piece declares (docs/quality.md).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils import timezone

from auric.catalog.models import Category, GemKind, Metal, Piece, Style
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


# --- suppliers (docs/suppliers.md) ----------------------------------------------------------------


class SupplierKind(models.TextChoices):
    MANUFACTURER = "manufacturer", "加工厂 Manufacturer"
    DIAMOND_DEALER = "diamond_dealer", "钻石供应商 Diamond dealer"
    REFINER = "refiner", "精炼厂 Refiner"
    GEMSTONE_DEALER = "gemstone_dealer", "彩宝供应商 Gemstone dealer"
    JADE_DEALER = "jade_dealer", "玉石供应商 Jade dealer"
    PEARL_DEALER = "pearl_dealer", "珍珠供应商 Pearl dealer"
    OTHER = "other", "其他 Other"


class Scheme(models.TextChoices):
    """Certification schemes a supplier may hold."""

    RJC_COP = "rjc_cop", "RJC 行为准则 RJC Code of Practices"
    RJC_COC = "rjc_coc", "RJC 产销监管链 RJC Chain of Custody"
    KIMBERLEY = "kimberley", "金伯利进程 Kimberley Process"
    ISO_9001 = "iso_9001", "ISO 9001"
    BUSINESS_LICENCE = "business_licence", "营业执照 Business licence"
    PRECIOUS_METALS = "precious_metals", "贵金属经营许可 Precious-metals trading licence"
    OTHER = "other", "其他 Other"


class Supplier(models.Model):
    """A company Auric buys pieces (or stones, or metal) from."""

    class Status(models.TextChoices):
        PENDING = "pending", "待审核 Pending approval"
        APPROVED = "approved", "合格 Approved"
        SUSPENDED = "suspended", "暂停 Suspended"
        DELISTED = "delisted", "淘汰 Delisted"

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=160, blank=True)
    kind = models.CharField(max_length=20, choices=SupplierKind.choices)
    categories = models.ManyToManyField(Category, blank=True, related_name="+", help_text="What it supplies")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    status_reason = models.CharField(max_length=300, blank=True)
    audit_every_days = models.PositiveSmallIntegerField(default=365, help_text="Days between periodic audits")
    created_on = models.DateField(default=timezone.localdate)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=models.Q(audit_every_days__gte=1), name="supplier_audit_interval_positive")
        ]
        permissions = [("receive_from_supplier", "Can receive pieces from a supplier")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Certification(models.Model):
    """One certificate or licence a supplier holds, valid from `issued_on` to `valid_until`
    inclusive (no end date: valid until revoked, as a 长期 business licence)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="certifications")
    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    number = models.CharField(max_length=80)
    issuer = models.CharField(max_length=120, blank=True)
    issued_on = models.DateField()
    valid_until = models.DateField(null=True, blank=True, db_index=True)
    document_sha256 = models.CharField(max_length=64, blank=True, help_text="SHA-256 of the scanned document (hex)")
    revoked_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["supplier", "scheme", "-valid_until"]
        constraints = [
            models.UniqueConstraint(fields=["supplier", "scheme", "number"], name="certification_once_per_supplier"),
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=models.F("issued_on")),
                name="certification_valid_after_issue",
            ),
            models.CheckConstraint(
                condition=models.Q(document_sha256="") | models.Q(document_sha256__regex=r"^[0-9a-f]{64}$"),
                name="certification_sha256_hex",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_scheme_display()} {self.number}"

    def is_valid_on(self, day: date) -> bool:
        if self.issued_on > day:
            return False
        if self.revoked_on is not None and self.revoked_on <= day:
            return False
        return self.valid_until is None or day <= self.valid_until


class RequiredCertification(models.Model):
    """A rule: a supplier must hold a valid `scheme` to deliver what matches every condition set
    here (empty conditions match everything). Defaults are seeded by migration 0005."""

    scheme = models.CharField(max_length=20, choices=Scheme.choices)
    supplier_kind = models.CharField(max_length=20, choices=SupplierKind.choices, blank=True)
    gem = models.CharField(max_length=12, choices=GemKind.choices, blank=True, help_text="A piece with this gem")
    natural_only = models.BooleanField(default=False, help_text="Only natural (not laboratory-grown) gems")
    metal = models.CharField(max_length=10, choices=Metal.choices, blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    is_active = models.BooleanField(default=True)
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["scheme", "pk"]

    def __str__(self) -> str:
        conditions = [
            str(label)
            for label in (
                self.get_supplier_kind_display() if self.supplier_kind else "",
                self.get_gem_display() if self.gem else "",
                "natural" if self.gem and self.natural_only else "",
                self.get_metal_display() if self.metal else "",
                self.category.name if self.category_id and self.category else "",
            )
            if label
        ]
        return f"{self.get_scheme_display()} ← {', '.join(conditions) or 'every supplier'}"

    @property
    def depends_on_piece(self) -> bool:
        return bool(self.gem or self.metal or self.category_id)


class SupplyReceipt(models.Model):
    """A piece received from a supplier: when it was expected and when it came (on-time delivery)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="receipts")
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="supply_receipts")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    received_on = models.DateField()
    expected_on = models.DateField(null=True, blank=True)
    reference = models.CharField(max_length=60, blank=True, help_text="Purchase order, delivery note …")
    received_at = models.DateTimeField(default=timezone.now)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["supplier", "received_on"], name="receipt_supplier_day_idx")]

    def __str__(self) -> str:
        return f"{self.piece} from {self.supplier.code} on {self.received_on}"

    @property
    def on_time(self) -> bool | None:
        return None if self.expected_on is None else self.received_on <= self.expected_on


class AuditArea(models.TextChoices):
    SOURCING = "sourcing", "来源合规 Sourcing compliance"
    CRAFT = "craft", "工艺 Craft"
    LABOUR = "labour", "劳工条件 Labour conditions"


class SupplierAudit(models.Model):
    """A periodic audit of a supplier; its score is the checklist's share of the maximum (0–100)."""

    supplier = models.ForeignKey(Supplier, on_delete=models.CASCADE, related_name="audits")
    performed_on = models.DateField()
    auditor = models.CharField(max_length=120, help_text="Audit firm or team")
    score = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True, editable=False)
    findings = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-performed_on", "-pk"]

    def __str__(self) -> str:
        return f"Audit of {self.supplier.code} on {self.performed_on}"


class AuditItem(models.Model):
    audit = models.ForeignKey(SupplierAudit, on_delete=models.CASCADE, related_name="items")
    area = models.CharField(max_length=10, choices=AuditArea.choices)
    item = models.CharField(max_length=200)
    score = models.PositiveSmallIntegerField()
    max_score = models.PositiveSmallIntegerField(default=5)

    class Meta:
        ordering = ["audit", "area", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=models.F("max_score"), max_score__gte=1), name="audit_item_score_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.score}/{self.max_score}"


class CorrectiveAction(models.Model):
    audit = models.ForeignKey(SupplierAudit, on_delete=models.CASCADE, related_name="actions")
    description = models.CharField(max_length=300)
    due_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    closing_note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self) -> str:
        return self.description


class SupplierClaim(models.Model):
    """A claim against a supplier for a piece that failed its inbound inspection."""

    class State(models.TextChoices):
        OPEN = "open", "待处理 Open"
        ACCEPTED = "accepted", "供应商已认可 Accepted by the supplier"
        REJECTED = "rejected", "供应商拒绝 Rejected by the supplier"
        SETTLED = "settled", "已结案 Settled"

    supplier = models.ForeignKey(Supplier, on_delete=models.PROTECT, related_name="claims")
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="+")
    inspection = models.OneToOneField(Inspection, on_delete=models.PROTECT, related_name="supplier_claim")
    receipt = models.ForeignKey(SupplyReceipt, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reasons = models.JSONField(default=list, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    opened_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]

    def __str__(self) -> str:
        return f"Claim {self.pk} against {self.supplier.code} ({self.piece})"


class ReminderSent(models.Model):
    """At most one reminder per item per day (`quality_reminders` may run any number of times)."""

    kind = models.CharField(max_length=40)
    item = models.CharField(max_length=60)
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["kind", "item", "sent_on"], name="one_reminder_per_item_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.item} {self.sent_on}"


# --- complaints and the monthly elimination (docs/suppliers.md) ---------------------------------


class Complaint(models.Model):
    class Kind(models.TextChoices):
        QUALITY = "quality", "质量问题 Quality"
        AUTHENTICITY = "authenticity", "真伪 Authenticity"
        DESCRIPTION = "description", "与描述不符 Description mismatch"
        OTHER = "other", "其他 Other"

    class Source(models.TextChoices):
        STAFF = "staff", "员工记录 Recorded by staff"
        CUSTOMER_SERVICE = "customer_service", "客服 Customer service"
        REVIEW = "review", "评价 Review"
        STORE = "store", "门店 Store"

    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="+")
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey(
        "orders.OrderLine", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.STAFF)
    description = models.CharField(max_length=500, blank=True)
    opened_at = models.DateTimeField(default=timezone.now, db_index=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-opened_at", "-pk"]
        indexes = [models.Index(fields=["style", "opened_at"], name="complaint_style_time_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.style.code}"


class EliminationPolicy(models.Model):
    """The ranking rules (one row, seeded by migration 0005; each run keeps a copy of what it used)."""

    min_units = models.PositiveIntegerField(default=20, help_text="Units sold in the month before a style is judged")
    bottom_share_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        help_text="Share of judged styles proposed for delisting",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "elimination policy"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bottom_share_percent__gt=0, bottom_share_percent__lte=50),
                name="elimination_share_range",
            ),
            models.CheckConstraint(condition=models.Q(min_units__gte=1), name="elimination_min_units_positive"),
        ]

    def __str__(self) -> str:
        return f"≥ {self.min_units} units, bottom {self.bottom_share_percent} %"


class EliminationRun(models.Model):
    class State(models.TextChoices):
        IN_REVIEW = "in_review", "待审核 In review"
        PUBLISHED = "published", "已公布 Published"

    month = models.DateField(unique=True, help_text="First day of the month judged")
    state = models.CharField(max_length=10, choices=State.choices, default=State.IN_REVIEW, db_index=True)
    min_units = models.PositiveIntegerField()
    bottom_share_percent = models.DecimalField(max_digits=5, decimal_places=2)
    judged = models.PositiveIntegerField(default=0, help_text="Live styles with enough units sold")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-month"]
        permissions = [("review_eliminationrun", "Can review and publish elimination runs")]

    def __str__(self) -> str:
        return f"Elimination {self.month:%Y-%m} ({self.state})"


class EliminationResult(models.Model):
    """One judged style of a run: its figures, its rank (1 = worst) and what was decided."""

    class Decision(models.TextChoices):
        NONE = "", "—"
        PENDING = "pending", "待审核 Pending review"
        APPROVED = "approved", "同意下架 Delisting approved"
        REJECTED = "rejected", "保留 Kept"

    class Action(models.TextChoices):
        NONE = "", "—"
        DELISTED = "delisted", "下架 Delisted"
        KEPT = "kept", "保留 Kept after review"
        ALREADY_OFF = "already_off", "已不在售 Already off sale"

    run = models.ForeignKey(EliminationRun, on_delete=models.CASCADE, related_name="results")
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="+")
    rank = models.PositiveIntegerField()
    units_sold = models.PositiveIntegerField()
    units_returned = models.PositiveIntegerField()
    complaints = models.PositiveIntegerField()
    return_rate = models.DecimalField(max_digits=7, decimal_places=4)
    complaint_rate = models.DecimalField(max_digits=7, decimal_places=4)
    score = models.DecimalField(max_digits=8, decimal_places=4)
    proposed = models.BooleanField(default=False)
    reason = models.CharField(max_length=300, blank=True)
    decision = models.CharField(max_length=10, choices=Decision.choices, blank=True, default=Decision.NONE)
    review_note = models.CharField(max_length=300, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=12, choices=Action.choices, blank=True, default=Action.NONE)

    class Meta:
        ordering = ["run", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["run", "style"], name="one_result_per_style_and_run"),
            models.UniqueConstraint(fields=["run", "rank"], name="one_style_per_rank"),
        ]

    def __str__(self) -> str:
        return f"#{self.rank} {self.style.code} ({self.run.month:%Y-%m})"
