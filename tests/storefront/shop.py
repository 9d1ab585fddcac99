"""A small shop built through the real services (catalog, pricing, inventory), shared by the
storefront view tests and the browser journey.

Rows with no service (categories, collections, locations, price-change history, media) are
written directly.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone
from PIL import Image

from auric.catalog import services as catalog
from auric.catalog import vocab
from auric.catalog.models import Category, Collection, MediaAsset, Piece, Style, Tag
from auric.core.events import drain_outbox
from auric.inventory import services as inventory
from auric.inventory.models import Location
from auric.pricing import services as pricing
from auric.pricing.models import PriceChange

GOLD_990_PRICE = Decimal("780.00")
GOLD_750_PRICE = Decimal("600.00")


@dataclass
class Shop:
    bangles: Category
    rings: Category
    heritage: Collection
    store: Location
    warehouse: Location
    gold_bangle: Style
    gold_bangle_pieces: list[Piece]
    k18_bangle: Style
    ring: Style
    draft: Style
    extra: list[Style] = field(default_factory=list)


def make_locations() -> tuple[Location, Location]:
    store = Location.objects.create(
        code="sh-nanjingxi",
        name="南京西路店",
        name_en="Nanjing Road West",
        kind=Location.Kind.STORE,
        city="上海",
        city_en="Shanghai",
    )
    warehouse = Location.objects.create(
        code="wh-central",
        name="中心仓",
        name_en="Central warehouse",
        kind=Location.Kind.WAREHOUSE,
        city="深圳",
        city_en="Shenzhen",
        sells_online=True,
    )
    return store, warehouse


def gold_bangle_style(*, code: str, slug: str, category: Category, collection: Collection | None = None) -> Style:
    style = catalog.create_style(
        code=code,
        slug=slug,
        title="足金古法手镯",
        title_en="Ancient-method pure gold bangle",
        description="古法錾花，哑光质感。",
        description_en="Hand-chased, matte finish.",
        category=category,
        collection=collection,
        pricing_mode=Style.PricingMode.BY_WEIGHT,
        labour_fee=Decimal("20.00"),
        labour_basis=Style.LabourBasis.PER_GRAM,
        list_price=Decimal("30000.00"),
        craft_codes=["gufa"],
    )
    return style


def add_gold_pieces(
    style: Style, *, sku: str, serials_weights: list[tuple[str, str]], location: Location
) -> list[Piece]:
    variant = catalog.add_variant(style=style, sku=sku, metal="gold", fineness=990)
    pieces = []
    for serial, weight in serials_weights:
        piece = catalog.register_piece(
            variant=variant,
            serial_number=serial,
            tag_code=f"T-{serial}",
            weight_g=Decimal(weight),
            cost=Decimal("15000"),
        )
        inventory.receive_piece(piece=piece, location=location)
        pieces.append(piece)
    return pieces


def deliver_events() -> None:
    """Deliver outbox events (pricing prices new pieces, inventory refreshes listing summaries);
    handlers publish further events, so drain until nothing is left."""
    for _ in range(5):
        report = drain_outbox(now=timezone.now() + timedelta(seconds=1))
        assert not report.failed, report.failures
        if not report.delivered:
            break


def bangle_jpeg(angle: int = 0, size: int = 720) -> bytes:
    """A drawn gold bangle on cream, with a mark at `angle` degrees so spin frames differ."""
    import math

    from PIL import ImageDraw

    image = Image.new("RGB", (size, size), (250, 245, 235))
    draw = ImageDraw.Draw(image)
    box = (size * 0.15, size * 0.3, size * 0.85, size * 0.7)
    draw.ellipse(box, outline=(196, 150, 40), width=int(size * 0.06))
    rad = math.radians(angle)
    cx, cy = size / 2 + math.cos(rad) * size * 0.35, size / 2 + math.sin(rad) * size * 0.2
    draw.ellipse((cx - 14, cy - 14, cx + 14, cy + 14), fill=(150, 40, 30))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def ensure_crafts() -> None:
    """The craft tags a migration seeds; a transactional test's flush removes them."""
    for code, (name, name_en) in vocab.CRAFTS.items():
        Tag.objects.get_or_create(code=code, defaults={"kind": Tag.Kind.CRAFT, "name": name, "name_en": name_en})


def build_shop() -> Shop:
    today = timezone.localdate()
    ensure_crafts()
    bangles = Category.objects.create(name="手镯", name_en="Bangles", slug="bangles", position=1)
    rings = Category.objects.create(name="戒指", name_en="Rings", slug="rings", position=2)
    heritage = Collection.objects.create(
        name="传承", name_en="Heritage", slug="heritage", edition_size=99, is_featured=True, launched_on=today
    )
    store, warehouse = make_locations()
    pricing.set_metal_price(metal="gold", fineness=990, on_date=today, price_per_gram=GOLD_990_PRICE)
    pricing.set_metal_price(metal="gold", fineness=750, on_date=today, price_per_gram=GOLD_750_PRICE)

    gold_bangle = gold_bangle_style(code="AU-GF-001", slug="gufa-bangle", category=bangles, collection=heritage)
    pieces = add_gold_pieces(
        gold_bangle,
        sku="AU-GF-001-990",
        serials_weights=[("GF001-A", "30.125"), ("GF001-B", "28.500")],
        location=store,
    )
    pieces += add_gold_pieces(
        gold_bangle, sku="AU-GF-001-990B", serials_weights=[("GF001-C", "31.010")], location=warehouse
    )
    catalog.publish_style(style=gold_bangle)

    k18_bangle = catalog.create_style(
        code="AU-18K-002",
        slug="k18-bangle",
        title="18K金古法手镯",
        title_en="18K gold ancient-method bangle",
        category=bangles,
        pricing_mode=Style.PricingMode.BY_WEIGHT,
        labour_fee=Decimal("300.00"),
        labour_basis=Style.LabourBasis.PER_PIECE,
        craft_codes=["gufa"],
        is_customised=True,
    )
    variant = catalog.add_variant(style=k18_bangle, sku="AU-18K-002-750", metal="gold", fineness=750)
    piece = catalog.register_piece(
        variant=variant,
        serial_number="K18-0001",
        tag_code="T-K18-0001",
        weight_g=Decimal("12.300"),
        cost=Decimal("5000"),
    )
    inventory.receive_piece(piece=piece, location=warehouse)
    catalog.publish_style(style=k18_bangle)

    ring = catalog.create_style(
        code="DM-RING-003",
        slug="diamond-ring",
        title="18K金钻石戒指",
        title_en="18K gold diamond ring",
        category=rings,
        pricing_mode=Style.PricingMode.FIXED,
        fixed_price=Decimal("12800.00"),
        list_price=Decimal("15800.00"),
        craft_codes=["xiangqian"],
    )
    variant = catalog.add_variant(style=ring, sku="DM-RING-003-750-12", metal="gold", fineness=750, size="12")
    piece = catalog.register_piece(
        variant=variant,
        serial_number="DR-0001",
        tag_code="T-DR-0001",
        weight_g=Decimal("3.200"),
        cost=Decimal("7000"),
        stones=[
            catalog.StoneInput(
                kind="diamond",
                carat=Decimal("0.50"),
                colour="G",
                clarity="VS1",
                cut="EX",
                polish="EX",
                symmetry="VG",
                fluorescence="N",
            )
        ],
        certificate=catalog.CertificateInput(
            lab="GIA",
            report_number="2141234567",
            issued_on=today - timedelta(days=30),
            grades={"colour": "G", "clarity": "VS1", "carat": "0.50"},
        ),
    )
    inventory.receive_piece(piece=piece, location=store)
    catalog.publish_style(style=ring)
    PriceChange.objects.create(
        style=ring,
        old_amount=Decimal("13800.00"),
        new_amount=Decimal("12800.00"),
        reason="fixed_price",
        at=timezone.now() - timedelta(days=2),
    )

    add_image(gold_bangle, position=0)
    add_image(gold_bangle, position=1)
    add_image(k18_bangle, position=0)
    draft = gold_bangle_style(code="AU-GF-DRAFT", slug="draft-bangle", category=bangles)
    deliver_events()
    return Shop(
        bangles=bangles,
        rings=rings,
        heritage=heritage,
        store=store,
        warehouse=warehouse,
        gold_bangle=Style.objects.get(pk=gold_bangle.pk),
        gold_bangle_pieces=pieces,
        k18_bangle=Style.objects.get(pk=k18_bangle.pk),
        ring=Style.objects.get(pk=ring.pk),
        draft=draft,
    )


def add_bangles(shop: Shop, count: int, *, start: int = 100) -> list[Style]:
    """More live gold bangles in the bangles category, one piece each, for query-count tests."""
    styles = []
    for n in range(start, start + count):
        style = gold_bangle_style(code=f"AU-X-{n}", slug=f"bangle-{n}", category=shop.bangles)
        add_gold_pieces(style, sku=f"AU-X-{n}-990", serials_weights=[(f"X{n}", "20.000")], location=shop.store)
        catalog.publish_style(style=style)
        add_image(style, position=0)
        styles.append(style)
    deliver_events()
    return styles


def add_pieces(style: Style, count: int, *, location: Location, start: int = 1000) -> list[Piece]:
    return add_gold_pieces(
        style,
        sku=f"{style.code}-MORE-{start}",
        serials_weights=[(f"{style.code}-{n}", f"{20 + n % 10}.250") for n in range(start, start + count)],
        location=location,
    )


def add_image(style: Style, *, position: int = 0, piece: Piece | None = None, kind: str = "image") -> MediaAsset:
    """A photo or spin frame through catalog.media (WebP + JPEG renditions at 320/640/1280 px)."""
    from django.core.files.base import ContentFile

    from auric.catalog import media

    return media.add_image(
        style=style,
        upload=ContentFile(bangle_jpeg(angle=position * 30), name=f"{kind}-{position}.jpg"),
        piece=piece,
        kind=kind,
        position=position,
        alt="足金手镯" if kind == "image" else "",
        alt_en="Gold bangle" if kind == "image" else "",
    )


def today() -> date:
    return timezone.localdate()
