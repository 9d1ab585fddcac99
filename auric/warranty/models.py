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


# --- buyback and trade-in (docs/warranty.md "Buyback and trade-in") -------------------------------


class TradeKind(models.TextChoices):
    BUYBACK = "buyback", "回购 Buyback (cash out)"
    TRADE_IN = "trade_in", "以旧换新 Trade-in (credit for a new order)"


class FeeBasis(models.TextChoices):
    PER_GRAM = "per_gram", "每克 Per gram"
    PERCENT = "percent", "百分比 Percentage of the metal value"


class BuybackFee(models.Model):
    """One line of the published fee schedule: what is deducted from the metal value of a piece
    bought back or traded in, per metal and optionally per fineness mark (a mark's line wins over
    the metal's)."""

    kind = models.CharField(max_length=10, choices=TradeKind.choices)
    metal = models.CharField(max_length=10, choices=Metal.choices)
    fineness = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="A GB 11887 mark (e.g. 750); blank: every fineness of the metal"
    )
    basis = models.CharField(max_length=10, choices=FeeBasis.choices)
    amount = models.DecimalField(
        max_digits=8,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Per gram (in the currency) or a percentage (0–100)",
    )
    currency = models.CharField(max_length=3, default="CNY")
    note = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "metal", models.F("fineness").asc(nulls_first=True)]
        verbose_name = "buyback fee"
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "metal", "currency"],
                condition=models.Q(fineness__isnull=True),
                name="warranty_fee_one_per_metal",
            ),
            models.UniqueConstraint(
                fields=["kind", "metal", "fineness", "currency"],
                condition=models.Q(fineness__isnull=False),
                name="warranty_fee_one_per_mark",
            ),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="warranty_fee_not_negative"),
            models.CheckConstraint(
                condition=~models.Q(basis="percent") | models.Q(amount__lte=100), name="warranty_fee_percent_range"
            ),
        ]

    def __str__(self) -> str:
        mark = f" {self.fineness}‰" if self.fineness else ""
        unit = "%" if self.basis == FeeBasis.PERCENT else f" {self.currency}/g"
        return f"{self.kind} {self.metal}{mark}: {self.amount}{unit}"


class BuybackQuote(models.Model):
    """What the store offers for a customer's piece, from its buyback inspection and the day's metal
    price, valid until `expires_at`. Accepting it is a conditional update on `state`: exactly once."""

    class State(models.TextChoices):
        OPEN = "open", "有效 Open"
        ACCEPTED = "accepted", "已接受 Accepted"
        WITHDRAWN = "withdrawn", "已撤回 Withdrawn"

    reference = models.CharField(max_length=16, unique=True)
    kind = models.CharField(max_length=10, choices=TradeKind.choices)
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="buyback_quotes")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="buyback_quotes"
    )
    store = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="+")
    inspection = models.ForeignKey("quality.Inspection", on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    metal = models.CharField(max_length=10, choices=Metal.choices)
    weight_g = models.DecimalField(max_digits=9, decimal_places=3)
    fineness_permille = models.DecimalField(max_digits=5, decimal_places=1, help_text="Measured")
    mark = models.PositiveSmallIntegerField(help_text="The GB 11887 mark the piece is priced at")
    price_per_gram = models.DecimalField(max_digits=10, decimal_places=2, help_text="At the mark")
    price_date = models.DateField()
    metal_value = models.DecimalField(max_digits=12, decimal_places=2)
    fee = models.DecimalField(max_digits=12, decimal_places=2)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    lines = models.JSONField(default=list, help_text="The arithmetic, line by line")
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    credit = models.OneToOneField(
        "checkout.Coupon", null=True, blank=True, on_delete=models.PROTECT, related_name="trade_in_quote"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("quote_buybackquote", "Can quote and settle buybacks and trade-ins at the counter")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="warranty_quote_amount_positive"),
            # One visit's inspection backs at most one accepted quote (not a buyback and a trade-in).
            models.UniqueConstraint(
                fields=["inspection"], condition=models.Q(state="accepted"), name="warranty_quote_accepted_once"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def is_expired(self, moment: datetime | None = None) -> bool:
        return self.state == self.State.OPEN and self.expires_at <= (moment or timezone.now())


class Payout(models.Model):
    """Money the platform owes a customer outside the payment path: a buyback's price, or the part of
    a guarantee compensation above what the order paid. Staff mark it paid with the transfer's
    reference. Never card or account numbers: a method and a reference only."""

    class Reason(models.TextChoices):
        BUYBACK = "buyback", "回购款 Buyback"
        COMPENSATION = "compensation", "假一赔十赔偿 Guarantee compensation"

    class Method(models.TextChoices):
        BANK_TRANSFER = "bank_transfer", "银行转账 Bank transfer"
        ALIPAY = "alipay", "支付宝 Alipay"
        WECHAT_PAY = "wechat_pay", "微信支付 WeChat Pay"
        CASH = "cash", "现金 Cash at the store"

    class State(models.TextChoices):
        OWED = "owed", "待支付 Owed"
        PAID = "paid", "已支付 Paid"

    reason = models.CharField(max_length=14, choices=Reason.choices)
    payee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    method = models.CharField(max_length=14, choices=Method.choices)
    reference = models.CharField(max_length=80, blank=True, help_text="The transfer's reference once paid")
    state = models.CharField(max_length=6, choices=State.choices, default=State.OWED, db_index=True)
    quote = models.OneToOneField(BuybackQuote, null=True, blank=True, on_delete=models.PROTECT, related_name="payout")
    claim = models.OneToOneField(
        "GuaranteeClaim", null=True, blank=True, on_delete=models.PROTECT, related_name="payout"
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("settle_payout", "Can mark payouts paid")]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="warranty_payout_positive"),
            models.CheckConstraint(
                condition=models.Q(quote__isnull=False, claim__isnull=True)
                | models.Q(quote__isnull=True, claim__isnull=False),
                name="warranty_payout_for_one_thing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} {self.amount} {self.currency} ({self.state})"


# --- "fake one, pay ten" guarantee claims and third-party reports ----------------------------------


class ClaimGround(models.TextChoices):
    FINENESS = "fineness", "成色不符 Fineness below the mark"
    WEIGHT = "weight", "重量不符 Weight differs"
    STONE = "stone", "宝石不符 Stone not as certified"
    CERTIFICATE = "certificate", "证书不符 Certificate does not match"
    OTHER = "other", "其他 Other"


class InspectionReport(models.Model):
    """A third-party inspection report (PDF or image) attached to a piece; its SHA-256 is logged."""

    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="third_party_reports")
    piece_public_id = models.CharField(max_length=64)
    issuer = models.CharField(max_length=80, help_text="The lab or inspection body that issued it")
    report_number = models.CharField(max_length=60)
    file = models.FileField(upload_to="warranty/reports/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_staff = models.BooleanField(default=False)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-uploaded_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["piece", "sha256"], name="warranty_report_once_per_piece")]

    def __str__(self) -> str:
        return f"{self.issuer} {self.report_number}"


class GuaranteeClaim(models.Model):
    """A holder's claim that a piece is not as certified. Upheld (by a failed independent re-test or
    a third-party report staff confirm): ten times the price paid, part refunded through the
    payment, the rest paid out. Deciding is a conditional update on `state`: exactly once."""

    class State(models.TextChoices):
        FILED = "filed", "已受理 Filed"
        UPHELD = "upheld", "成立 Upheld"
        REJECTED = "rejected", "不成立 Rejected"
        COMPENSATED = "compensated", "已赔付 Compensated"

    class Basis(models.TextChoices):
        RETEST = "retest", "独立复检 Independent re-test"
        REPORT = "report", "第三方报告 Third-party report"

    reference = models.CharField(max_length=16, unique=True)
    piece = models.ForeignKey(Piece, on_delete=models.PROTECT, related_name="guarantee_claims")
    piece_public_id = models.CharField(max_length=64)
    claimant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="guarantee_claims"
    )
    order_line = models.ForeignKey("orders.OrderLine", on_delete=models.PROTECT, related_name="+")
    sold_at = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="Where it was sold"
    )
    ground = models.CharField(max_length=12, choices=ClaimGround.choices)
    detail = models.CharField(max_length=1000, blank=True, help_text="In the shopper's words (never logged)")
    report = models.ForeignKey(InspectionReport, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=12, choices=State.choices, default=State.FILED, db_index=True)
    inspection = models.ForeignKey(
        "quality.Inspection", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    basis = models.CharField(max_length=8, choices=Basis.choices, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    price_paid = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="CNY")
    compensation = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    refund_amount = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    refund = models.OneToOneField(
        "payments.Refund", null=True, blank=True, on_delete=models.PROTECT, related_name="guarantee_claim"
    )
    compensated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        permissions = [("decide_guaranteeclaim", "Can decide guarantee claims and pay compensation")]
        constraints = [
            models.UniqueConstraint(
                fields=["piece"], condition=models.Q(state="filed"), name="warranty_claim_one_open_per_piece"
            ),
        ]

    def __str__(self) -> str:
        return self.reference
