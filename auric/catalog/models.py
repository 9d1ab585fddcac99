"""Catalog: styles (products) → variants → serialized pieces, with stones, certificates and media.

A *style* is what a shopper browses; a *variant* fixes metal, fineness and size; a *piece* is one
physical object with its own serial number, tag, exact weight, stones and certificate. Goods that
are not serialized (chains by length, earring backs) are variants with `is_serialized=False` and
quantity stock in inventory.

Invariants that span rows (a piece's fineness label, stone grades) are checked by
`catalog.services`; the fields here carry what can be checked on one row.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language

from auric.catalog import vocab
from auric.core.fields import money_field


def localized(obj: object, field: str) -> str:
    """The English text of a field when the page is in English and it exists, else the Chinese."""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(obj, field))


class Metal(models.TextChoices):
    GOLD = vocab.Metal.GOLD.value, "金 Gold"
    PLATINUM = vocab.Metal.PLATINUM.value, "铂 Platinum"
    PALLADIUM = vocab.Metal.PALLADIUM.value, "钯 Palladium"
    SILVER = vocab.Metal.SILVER.value, "银 Silver"


class GemKind(models.TextChoices):
    DIAMOND = vocab.GemKind.DIAMOND.value, "钻石 Diamond"
    RUBY = vocab.GemKind.RUBY.value, "红宝石 Ruby"
    SAPPHIRE = vocab.GemKind.SAPPHIRE.value, "蓝宝石 Sapphire"
    EMERALD = vocab.GemKind.EMERALD.value, "祖母绿 Emerald"
    JADEITE = vocab.GemKind.JADEITE.value, "翡翠 Jadeite"
    NEPHRITE = vocab.GemKind.NEPHRITE.value, "和田玉 Nephrite"
    PEARL = vocab.GemKind.PEARL.value, "珍珠 Pearl"


class GemOrigin(models.TextChoices):
    NATURAL = vocab.GemOrigin.NATURAL.value, "天然 Natural"
    LAB_GROWN = vocab.GemOrigin.LAB_GROWN.value, "培育 Laboratory-grown"


class Lab(models.TextChoices):
    GIA = "GIA", "GIA"
    NGTC = "NGTC", "NGTC 国检"
    IGI = "IGI", "IGI"
    HRD = "HRD", "HRD"
    NJQSIC = "NJQSIC", "NJQSIC 国首检"
    GTC = "GTC", "GTC 省站"


class Category(models.Model):
    name = models.CharField(max_length=80)
    name_en = models.CharField(max_length=80, blank=True)
    slug = models.SlugField(max_length=80, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    """A curated group of styles; limited editions carry their edition size."""

    name = models.CharField(max_length=120)
    name_en = models.CharField(max_length=120, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    edition_size = models.PositiveIntegerField(null=True, blank=True, help_text="Set for limited editions")
    launched_on = models.DateField(null=True, blank=True)
    is_featured = models.BooleanField(default=False)

    class Meta:
        ordering = ["-launched_on", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_limited(self) -> bool:
        return self.edition_size is not None


class Tag(models.Model):
    class Kind(models.TextChoices):
        CRAFT = "craft", "工艺 Craft"
        THEME = "theme", "主题 Theme"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=40)
    name_en = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["kind", "code"]

    def __str__(self) -> str:
        return self.name


class Style(models.Model):
    class PricingMode(models.TextChoices):
        BY_WEIGHT = "by_weight", "按克计价 By weight"
        FIXED = "fixed", "一口价 Fixed price"

    class LabourBasis(models.TextChoices):
        PER_GRAM = "per_gram", "按克 Per gram"
        PER_PIECE = "per_piece", "按件 Per piece"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿 Draft"
        LIVE = "live", "在售 Live"
        DELISTED = "delisted", "下架 Delisted"

    code = models.CharField(max_length=40, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    title = models.CharField(max_length=120)
    title_en = models.CharField(max_length=160, blank=True)
    description = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="styles")
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="styles")
    tags = models.ManyToManyField(Tag, blank=True, related_name="styles")
    pricing_mode = models.CharField(max_length=10, choices=PricingMode.choices)
    labour_fee = money_field(default=Decimal("0"))
    labour_basis = models.CharField(max_length=10, choices=LabourBasis.choices, default=LabourBasis.PER_PIECE)
    fixed_price = money_field(null=True, blank=True)
    list_price = money_field(null=True, blank=True, help_text="Anchor price shown struck through")
    currency = models.CharField(max_length=3, default="CNY")
    is_customised = models.BooleanField(default=False, help_text="Made to order: no 7-day no-reason return")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    published_at = models.DateTimeField(null=True, blank=True)
    popularity = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    # Summary kept by services for fast listing, facets and sorting (see docs/adr/0003).
    metal = models.CharField(max_length=10, choices=Metal.choices, blank=True, db_index=True)
    fineness = models.PositiveSmallIntegerField(null=True, blank=True)
    gem = models.CharField(max_length=12, choices=GemKind.choices, blank=True)
    carat_max = models.DecimalField(max_digits=6, decimal_places=2, null=True, blank=True)
    cert_lab = models.CharField(max_length=10, choices=Lab.choices, blank=True)
    price_from = money_field(null=True, blank=True, db_index=True)
    available_count = models.PositiveIntegerField(default=0)
    online_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["status", "category"], name="style_status_category_idx")]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def localized_title(self) -> str:
        return localized(self, "title")

    @property
    def localized_description(self) -> str:
        return localized(self, "description")


class Variant(models.Model):
    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="variants")
    sku = models.CharField(max_length=60, unique=True)
    metal = models.CharField(max_length=10, choices=Metal.choices, blank=True)
    fineness = models.PositiveSmallIntegerField(null=True, blank=True, help_text="GB 11887 mark in ‰")
    size = models.CharField(max_length=20, blank=True, help_text="Ring size, chain length …")
    is_serialized = models.BooleanField(default=True)
    fixed_price = money_field(null=True, blank=True)
    # Quantity goods priced by weight carry a nominal weight per unit.
    unit_weight_g = models.DecimalField(max_digits=9, decimal_places=3, null=True, blank=True)

    class Meta:
        ordering = ["style", "sku"]

    def __str__(self) -> str:
        return self.sku

    @property
    def fineness_mark(self) -> vocab.FinenessMark | None:
        if not self.metal or self.fineness is None:
            return None
        return vocab.fineness_mark(self.metal, self.fineness)


class Piece(models.Model):
    """One physical piece: unique, weighed, graded, certified."""

    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="pieces")
    style = models.ForeignKey(Style, on_delete=models.PROTECT, related_name="pieces")
    serial_number = models.CharField(max_length=40, unique=True)
    tag_code = models.CharField(max_length=64, unique=True, help_text="QR/RFID tag")
    weight_g = models.DecimalField(max_digits=9, decimal_places=3, help_text="Exact weight in grams")
    measured_fineness = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    cost = money_field()
    fixed_price = money_field(null=True, blank=True)
    # Current selling price, kept by pricing services (weight × metal price + labour, or fixed).
    price = money_field(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["serial_number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(weight_g__gt=0), name="piece_weight_positive"),
        ]

    def __str__(self) -> str:
        return self.serial_number


class Stone(models.Model):
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="stones")
    is_main = models.BooleanField(default=True)
    kind = models.CharField(max_length=12, choices=GemKind.choices)
    origin = models.CharField(max_length=10, choices=GemOrigin.choices, default=GemOrigin.NATURAL)
    count = models.PositiveSmallIntegerField(default=1)
    carat = models.DecimalField(max_digits=6, decimal_places=2)
    colour = models.CharField(max_length=2, blank=True)
    clarity = models.CharField(max_length=4, blank=True)
    cut = models.CharField(max_length=2, blank=True)
    polish = models.CharField(max_length=2, blank=True)
    symmetry = models.CharField(max_length=2, blank=True)
    fluorescence = models.CharField(max_length=2, blank=True)
    lab_grown_grade = models.CharField(max_length=10, blank=True)
    treatment = models.CharField(max_length=4, blank=True)

    class Meta:
        ordering = ["-is_main", "-carat"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.carat}ct"

    def grades(self) -> vocab.StoneGrades:
        return vocab.StoneGrades(
            kind=vocab.GemKind(self.kind),
            origin=vocab.GemOrigin(self.origin),
            carat=self.carat,
            colour=self.colour,
            clarity=self.clarity,
            cut=self.cut,
            polish=self.polish,
            symmetry=self.symmetry,
            fluorescence=self.fluorescence,
            lab_grown_grade=self.lab_grown_grade,
            treatment=self.treatment,
        )


class Certificate(models.Model):
    piece = models.ForeignKey(Piece, on_delete=models.CASCADE, related_name="certificates")
    lab = models.CharField(max_length=10, choices=Lab.choices)
    report_number = models.CharField(max_length=40)
    issued_on = models.DateField()
    grades = models.JSONField(default=dict, blank=True)
    grading_system = models.CharField(max_length=60, blank=True, help_text="e.g. GIA 4Cs, GB/T 16554-2017")
    measurements = models.CharField(max_length=80, blank=True, help_text="e.g. 6.45 – 6.48 × 3.98 mm")
    # SHA-256 of the report file as the lab issued it, logged with the certificate (hex).
    report_sha256 = models.CharField(
        max_length=64, blank=True, validators=[RegexValidator(r"^[0-9a-f]{64}$", "64 lower-case hex digits")]
    )

    class Meta:
        ordering = ["-issued_on"]
        constraints = [models.UniqueConstraint(fields=["lab", "report_number"], name="certificate_report_unique")]

    def __str__(self) -> str:
        return f"{self.lab} {self.report_number}"


class MediaAsset(models.Model):
    class Kind(models.TextChoices):
        IMAGE = "image", "图片 Image"
        SPIN_FRAME = "spin", "360° 帧 Spin frame"
        VIDEO = "video", "视频 Video"
        MODEL_3D = "model3d", "3D 模型 3D model"

    style = models.ForeignKey(Style, on_delete=models.CASCADE, related_name="media")
    piece = models.ForeignKey(Piece, null=True, blank=True, on_delete=models.CASCADE, related_name="media")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    position = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to="catalog/%Y/%m/", blank=True)
    # {"400": {"webp": "catalog/…-400.webp", "jpeg": "catalog/…-400.jpg"}, …}
    renditions = models.JSONField(default=dict, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    video_url = models.URLField(blank=True)
    alt = models.CharField(max_length=200, blank=True)
    alt_en = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "position", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position} of {self.style_id}"


class SearchDocument(models.Model):
    """The searchable text of a style, segmented into words (jieba), kept by catalog.search.

    SQLite indexes it with FTS5 and PostgreSQL with a GIN index over a 'simple' tsvector; both are
    created by migrations for their own vendor.
    """

    style = models.OneToOneField(Style, primary_key=True, on_delete=models.CASCADE, related_name="search_document")
    text = models.TextField()
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"search text of {self.style_id}"
