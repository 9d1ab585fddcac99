"""Write a demo catalog plan into the database: through the services, or in bulk for --scale.

Two writers produce the same rows for the same plan:

* `ServiceWriter` (the default catalog of a few hundred styles) calls the services for every row:
  catalog.create_style / add_variant / register_piece / publish_style, inventory.receive_piece /
  receive_quantity, and lets the outbox events price each new piece (pricing handles
  `catalog.PieceRegistered`) and refresh the listing summary (inventory handles
  `pricing.PricesChanged`).
* `BulkWriter` (the 10k-style benchmark catalog) writes styles, variants, pieces, stones,
  certificates, `PieceStock` and the `received` journal rows with `bulk_create` — the same values
  the services would write, already validated by `auric.demo.plan` against `catalog.vocab` — and
  then runs the services' own batch functions over every style: `refresh_catalog_summary`,
  `pricing.reprice` (piece prices and the public price log), `refresh_style_availability` and
  `search.index_styles`. It skips what describes live staff actions rather than state: audit
  entries and outbox events for the bulk rows, and the per-piece price-log entries written while
  a style fills up (one entry per style is written instead).

Both writers then share the rest: metal price history through `pricing.set_metal_price`, a few
transfers through `inventory.transfer_pieces`, flash prices through `pricing.create_flash_price`,
images through `catalog.media.add_image` (one real upload per distinct drawing; other styles
showing the same drawing get a `MediaAsset` row pointing at the same files), spin sets through
`add_spin_frames` and GLB models through `add_model_3d`. `published_at` and `popularity` have no
service (they are history and analytics) and are written directly.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from auric.catalog import search
from auric.catalog import services as catalog
from auric.catalog.models import Category, Certificate, Collection, MediaAsset, Piece, Stone, Style, Tag, Variant
from auric.demo import data, glb, images
from auric.demo.plan import CatalogPlan, PiecePlan, StylePlan
from auric.inventory import services as inventory
from auric.inventory.models import Location, PieceStatus, PieceStock, Reservation, StockLevel, StockMovement, Transfer
from auric.pricing import services as pricing
from auric.pricing.models import MetalPrice, PriceChange
from auric.provenance import services as provenance
from auric.provenance.events import declared_attributes, location_party, station_party
from auric.provenance.models import LogEntry, Ownership, PendingEntry, PieceRecord
from auric.quality.models import Certification, Gate, Inspection, Supplier, SupplierClaim, SupplyReceipt

OPENING_REFERENCE = "DEMO-OPENING"
CHUNK = 500


class Task(Protocol):
    def advance(self, n: int = 1) -> None: ...


class UI(Protocol):
    def task(self, description: str, total: int) -> Any: ...  # a context manager yielding a Task


class NullUI:
    """No progress output (tests)."""

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Task]:
        class _T:
            def advance(self, n: int = 1) -> None:
                pass

        yield _T()


def demo_styles() -> Any:
    """Styles written by the demo loader, recognised by their family code prefixes."""
    q = Q()
    for family in data.FAMILIES:
        q |= Q(code__startswith=family.code_prefix, code__regex=rf"^{family.code_prefix}[0-9]{{6}}$")
    return Style.objects.filter(q)


def remove_demo_data() -> int:
    """Delete the demo styles and everything hanging off them (not the shared locations or prices)."""
    with transaction.atomic():
        style_ids = list(demo_styles().values_list("pk", flat=True))
        pieces = Piece.objects.filter(style_id__in=style_ids)
        variants = Variant.objects.filter(style_id__in=style_ids)
        transfers = Transfer.objects.filter(pieces__in=pieces).distinct()
        StockMovement.objects.filter(Q(piece__in=pieces) | Q(variant__in=variants) | Q(transfer__in=transfers)).delete()
        Reservation.objects.filter(Q(piece__in=pieces) | Q(variant__in=variants)).delete()
        Transfer.objects.filter(pk__in=list(transfers.values_list("pk", flat=True))).delete()
        StockLevel.objects.filter(variant__in=variants).delete()
        # The log keeps what it logged about these pieces (it is append-only); only the link goes.
        Ownership.objects.filter(piece__piece__in=pieces).delete()
        PieceRecord.objects.filter(piece__in=pieces).delete()
        SupplierClaim.objects.filter(piece__in=pieces).delete()
        SupplyReceipt.objects.filter(piece__in=pieces).delete()
        Inspection.objects.filter(piece__in=pieces).delete()
        pieces.delete()
        Style.objects.filter(pk__in=style_ids).delete()
    return len(style_ids)


# --- shared phases ----------------------------------------------------------------------------
def ensure_taxonomy() -> dict[str, dict[str, Any]]:
    """Categories, collections, theme tags and locations (update_or_create: safe to run again)."""
    today = timezone.localdate()
    cats: dict[str, Category] = {}
    for position, (slug, name, name_en, parent) in enumerate(data.CATEGORIES):
        cats[slug], _ = Category.objects.update_or_create(
            slug=slug, defaults={"name": name, "name_en": name_en, "parent": cats.get(parent), "position": position}
        )
    cols: dict[str, Collection] = {}
    for slug, name, name_en, edition, featured, days, desc, desc_en in data.COLLECTIONS:
        cols[slug], _ = Collection.objects.update_or_create(
            slug=slug,
            defaults={
                "name": name,
                "name_en": name_en,
                "edition_size": edition,
                "is_featured": featured,
                "launched_on": today - timedelta(days=days),
                "description": desc,
                "description_en": desc_en,
            },
        )
    for code, name, name_en in data.THEMES:
        Tag.objects.update_or_create(code=code, defaults={"kind": Tag.Kind.THEME, "name": name, "name_en": name_en})
    locs: dict[str, Location] = {}
    for spec in data.LOCATIONS:
        locs[spec.code], _ = Location.objects.update_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "kind": spec.kind,
                "city": spec.city,
                "city_en": spec.city_en,
                "address": spec.address,
                "latitude": spec.latitude,
                "longitude": spec.longitude,
                "opening_hours": spec.opening_hours,
                "phone": spec.phone,
                "sells_online": spec.sells_online,
                "is_active": True,
            },
        )
    return {"categories": cats, "collections": cols, "locations": locs, "suppliers": ensure_suppliers()}


def ensure_suppliers() -> dict[str, Supplier]:
    """The demo suppliers, approved, with certificates valid for years (safe to run again)."""
    today = timezone.localdate()
    suppliers: dict[str, Supplier] = {}
    for code, name, name_en, kind, schemes in data.SUPPLIERS:
        suppliers[code], _ = Supplier.objects.update_or_create(
            code=code,
            defaults={"name": name, "name_en": name_en, "kind": kind, "status": Supplier.Status.APPROVED},
        )
        for scheme in ("business_licence", *schemes):
            Certification.objects.get_or_create(
                supplier=suppliers[code],
                scheme=scheme,
                number=f"DEMO-{code}-{scheme}".upper(),
                defaults={
                    "issued_on": today - timedelta(days=400),
                    "valid_until": None if scheme == "business_licence" else today + timedelta(days=3 * 365),
                },
            )
    return suppliers


def metal_price_series(
    seed: int, days: int = data.PRICE_HISTORY_DAYS
) -> dict[tuple[str, int], list[tuple[Any, Decimal]]]:
    """A random walk per metal ending today at `data.METAL_PRICES`; finenesses of a metal move together."""
    rng = random.Random(f"metal-prices/{seed}")
    today = timezone.localdate()
    factors: dict[str, list[float]] = {}
    for metal, sigma in data.DAILY_VOLATILITY.items():
        walk = [1.0]
        for _ in range(days - 1):  # backwards from today; a mild upward drift over the quarter
            walk.append(walk[-1] * math.exp(-rng.gauss(0.0007, sigma)))
        factors[metal] = walk
    series: dict[tuple[str, int], list[tuple[Any, Decimal]]] = {}
    for (metal, fineness), level in data.METAL_PRICES.items():
        rows = []
        for back, factor in enumerate(factors[metal]):
            price = (level * Decimal(str(factor))).quantize(Decimal("0.01"))
            rows.append((today - timedelta(days=back), price))
        series[(metal, fineness)] = sorted(rows)
    return series


def load_metal_prices(seed: int, ui: UI) -> int:
    series = metal_price_series(seed)
    total = sum(len(v) for v in series.values())
    with ui.task("Metal price history (90 days)", total) as task:
        for (metal, fineness), rows in series.items():
            for on_date, price in rows:
                pricing.set_metal_price(
                    metal=metal, fineness=fineness, on_date=on_date, price_per_gram=price, source=MetalPrice.Source.FEED
                )
                task.advance()
    return total


# --- writers ------------------------------------------------------------------------------------
@dataclass
class Written:
    style_ids: dict[str, int] = field(default_factory=dict)  # code → pk
    piece_ids: dict[str, int] = field(default_factory=dict)  # serial → pk


class ServiceWriter:
    """Every row through the services, one style per transaction."""

    def __init__(self, taxonomy: dict[str, dict[str, Any]]):
        self.cats = taxonomy["categories"]
        self.cols = taxonomy["collections"]
        self.locs = taxonomy["locations"]

    def write(self, plan: CatalogPlan, ui: UI) -> Written:
        out = Written()
        with ui.task("Styles, variants and pieces (services)", len(plan.styles)) as task:
            for sp in plan.styles:
                with transaction.atomic():
                    self._style(sp, out)
                task.advance()
        return out

    def _style(self, sp: StylePlan, out: Written) -> Style:
        style = catalog.create_style(
            code=sp.code,
            slug=sp.slug,
            title=sp.title,
            title_en=sp.title_en,
            description=sp.description,
            description_en=sp.description_en,
            category=self.cats[sp.category],
            collection=self.cols.get(sp.collection) if sp.collection else None,
            pricing_mode=sp.pricing_mode,
            labour_fee=sp.labour_fee,
            labour_basis=sp.labour_basis,
            fixed_price=sp.fixed_price,
            list_price=sp.list_price,
            craft_codes=sp.craft_codes,
            theme_tags=sp.theme_tags,
        )
        out.style_ids[sp.code] = style.pk
        for vp in sp.variants:
            variant = catalog.add_variant(
                style=style,
                sku=vp.sku,
                metal=vp.metal,
                fineness=vp.fineness,
                size=vp.size,
                is_serialized=vp.is_serialized,
                fixed_price=vp.fixed_price,
                unit_weight_g=vp.unit_weight_g,
            )
            for pp in vp.pieces:
                piece = catalog.register_piece(
                    variant=variant,
                    serial_number=pp.serial_number,
                    tag_code=pp.tag_code,
                    weight_g=pp.weight_g,
                    cost=pp.cost,
                    measured_fineness=pp.measured_fineness,
                    fixed_price=pp.fixed_price,
                    stones=[catalog.StoneInput(**vars(s)) for s in pp.stones],
                    certificate=catalog.CertificateInput(**vars(pp.certificate)) if pp.certificate else None,
                )
                out.piece_ids[pp.serial_number] = piece.pk
                # The opening stock's inbound inspections are written below (opening_inspections).
                inventory.receive_piece(
                    piece=piece,
                    location=self.locs[pp.location],
                    reference=OPENING_REFERENCE,
                    refresh=False,
                    awaiting_inspection=False,
                    supplier=data.supplier_for([stone.kind for stone in pp.stones]),
                )
            for code, quantity in vp.quantities.items():
                inventory.receive_quantity(
                    variant=variant, location=self.locs[code], quantity=quantity, reference=OPENING_REFERENCE
                )
        catalog.publish_style(style=style)
        return style


class BulkWriter:
    """The same rows with bulk_create, for catalogs of tens of thousands of pieces."""

    def __init__(self, taxonomy: dict[str, dict[str, Any]]):
        self.cats = taxonomy["categories"]
        self.cols = taxonomy["collections"]
        self.locs = taxonomy["locations"]
        self.suppliers: dict[str, Supplier] = taxonomy["suppliers"]

    def write(self, plan: CatalogPlan, ui: UI) -> Written:
        out = Written()
        now = timezone.now()
        tags = {t.code: t.pk for t in Tag.objects.all()}
        with ui.task("Styles (bulk)", len(plan.styles)) as task:
            for chunk in _chunked(plan.styles, 1000):
                rows = [
                    Style(
                        code=sp.code,
                        slug=sp.slug,
                        title=sp.title,
                        title_en=sp.title_en,
                        description=sp.description,
                        description_en=sp.description_en,
                        category=self.cats[sp.category],
                        collection=self.cols.get(sp.collection) if sp.collection else None,
                        pricing_mode=sp.pricing_mode,
                        labour_fee=sp.labour_fee,
                        labour_basis=sp.labour_basis,
                        fixed_price=sp.fixed_price,
                        list_price=sp.list_price,
                        status=Style.Status.LIVE,
                        published_at=now,
                        created_at=now,
                    )
                    for sp in chunk
                ]
                with transaction.atomic():
                    Style.objects.bulk_create(rows)
                    links = [
                        Style.tags.through(style_id=row.pk, tag_id=tags[code])
                        for row, sp in zip(rows, chunk, strict=True)
                        for code in (*sp.craft_codes, *sp.theme_tags)
                    ]
                    Style.tags.through.objects.bulk_create(links)
                out.style_ids.update({row.code: row.pk for row in rows})
                task.advance(len(chunk))
        variants = [(sp, vp) for sp in plan.styles for vp in sp.variants]
        variant_ids: dict[str, int] = {}
        with ui.task("Variants (bulk)", len(variants)) as task:
            for chunk in _chunked(variants, 2000):
                variant_rows = [
                    Variant(
                        style_id=out.style_ids[sp.code],
                        sku=vp.sku,
                        metal=vp.metal,
                        fineness=vp.fineness,
                        size=vp.size,
                        is_serialized=vp.is_serialized,
                        fixed_price=vp.fixed_price,
                        unit_weight_g=vp.unit_weight_g,
                    )
                    for sp, vp in chunk
                ]
                Variant.objects.bulk_create(variant_rows)
                variant_ids.update({row.sku: row.pk for row in variant_rows})
                levels = [
                    (row.pk, self.locs[code].pk, quantity)
                    for row, (_, vp) in zip(variant_rows, chunk, strict=True)
                    for code, quantity in vp.quantities.items()
                ]
                StockLevel.objects.bulk_create(
                    StockLevel(variant_id=v, location_id=loc, on_hand=q) for v, loc, q in levels
                )
                StockMovement.objects.bulk_create(
                    StockMovement(
                        at=now,
                        kind=StockMovement.Kind.RECEIVED,
                        variant_id=v,
                        quantity=q,
                        location_id=loc,
                        reference=OPENING_REFERENCE,
                    )
                    for v, loc, q in levels
                )
                task.advance(len(chunk))
        pieces = [(sp, vp, pp) for sp in plan.styles for vp in sp.variants for pp in vp.pieces]
        with ui.task("Pieces, stones, certificates, stock (bulk)", len(pieces)) as task:
            for chunk in _chunked(pieces, 2000):
                with transaction.atomic():
                    self._pieces(chunk, variant_ids, out, now)
                task.advance(len(chunk))
        return out

    def _pieces(
        self,
        chunk: Sequence[tuple[StylePlan, Any, PiecePlan]],
        variant_ids: dict[str, int],
        out: Written,
        now: datetime,
    ) -> None:
        rows = [
            Piece(
                variant_id=variant_ids[vp.sku],
                style_id=out.style_ids[sp.code],
                serial_number=pp.serial_number,
                tag_code=pp.tag_code,
                weight_g=pp.weight_g,
                measured_fineness=pp.measured_fineness,
                cost=pp.cost,
                fixed_price=pp.fixed_price,
                created_at=now,
            )
            for sp, vp, pp in chunk
        ]
        Piece.objects.bulk_create(rows)
        stones: list[Stone] = []
        certs: list[Certificate] = []
        stock: list[PieceStock] = []
        journal: list[StockMovement] = []
        for row, (_, _, pp) in zip(rows, chunk, strict=True):
            out.piece_ids[pp.serial_number] = row.pk
            stones += [Stone(piece_id=row.pk, **vars(s)) for s in pp.stones]
            if pp.certificate:
                certs.append(Certificate(piece_id=row.pk, **vars(pp.certificate)))
            location_id = self.locs[pp.location].pk
            stock.append(
                PieceStock(piece_id=row.pk, location_id=location_id, status=PieceStatus.AVAILABLE, updated_at=now)
            )
            journal.append(
                StockMovement(
                    at=now,
                    kind=StockMovement.Kind.RECEIVED,
                    piece_id=row.pk,
                    location_id=location_id,
                    reference=OPENING_REFERENCE,
                )
            )
        Stone.objects.bulk_create(stones)
        Certificate.objects.bulk_create(certs)
        PieceStock.objects.bulk_create(stock)
        StockMovement.objects.bulk_create(journal)
        # What the receipt rule records for each piece (its suppliers are approved and certified).
        suppliers = self.suppliers
        SupplyReceipt.objects.bulk_create(
            SupplyReceipt(
                supplier=suppliers[data.supplier_for([s.kind for s in pp.stones])],
                piece_id=row.pk,
                location_id=self.locs[pp.location].pk,
                received_on=now.date(),
                reference=OPENING_REFERENCE,
                received_at=now,
            )
            for row, (_, _, pp) in zip(rows, chunk, strict=True)
        )


def _chunked(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- after the rows: movement, flash prices, media, summaries ------------------------------------
def make_transfers(plan: CatalogPlan, written: Written, locs: dict[str, Location]) -> int:
    """Ship a few warehouse pieces to stores: one transfer received, one still in transit."""
    at_warehouse = [p for p in plan.pieces if p.location == data.WAREHOUSE_CODE]
    picks = at_warehouse[7::41][:8]
    if len(picks) < 2:
        return 0
    half = len(picks) // 2
    first = list(Piece.objects.filter(pk__in=[written.piece_ids[p.serial_number] for p in picks[:half]]))
    second = list(Piece.objects.filter(pk__in=[written.piece_ids[p.serial_number] for p in picks[half:]]))
    done = inventory.transfer_pieces(pieces=first, to_location=locs["st-beijing-wangfujing"], note="门店补货 demo")
    inventory.receive_transfer(transfer=done)
    inventory.transfer_pieces(pieces=second, to_location=locs["st-shanghai-nanjingxilu"], note="门店补货 demo")
    return len(picks)


def make_flash_prices(plan: CatalogPlan, written: Written) -> int:
    now = timezone.now()
    count = 0
    for sp in plan.styles:
        if sp.flash is None:
            continue
        pricing.create_flash_price(
            style=Style.objects.get(pk=written.style_ids[sp.code]),
            starts_at=now + timedelta(days=sp.flash.starts_days),
            ends_at=now + timedelta(days=sp.flash.ends_days),
            price=sp.flash.price,
            percent_off=sp.flash.percent_off,
            label=sp.flash.label,
        )
        count += 1
    return count


def add_media(plan: CatalogPlan, written: Written, ui: UI, *, variants: int = 2) -> dict[str, int]:
    """Images (one real upload per distinct drawing, shared files after that), spins and GLB models."""
    from auric.catalog import media  # the media helper's module; imported late so the loader works without it

    originals: dict[tuple[str, str, int], MediaAsset] = {}
    clones: list[MediaAsset] = []
    counts = {"images": 0, "uploads": 0, "spins": 0, "models": 0}
    with ui.task("Images (Pillow) and renditions", len(plan.styles)) as task:
        for n, sp in enumerate(plan.styles):
            key = (sp.shape, sp.material, n % variants)
            style_id = written.style_ids[sp.code]
            original = originals.get(key)
            if original is None:
                style = Style.objects.get(pk=style_id)
                original = media.add_image(
                    style=style, upload=images.product_image(*key), alt=sp.title, alt_en=sp.title_en
                )
                originals[key] = original
                counts["uploads"] += 1
            else:
                clones.append(
                    MediaAsset(
                        style_id=style_id,
                        kind=original.kind,
                        position=0,
                        file=original.file.name,
                        renditions=original.renditions,
                        width=original.width,
                        height=original.height,
                        alt=sp.title,
                        alt_en=sp.title_en,
                    )
                )
            counts["images"] += 1
            if len(clones) >= 2000:
                MediaAsset.objects.bulk_create(clones)
                clones = []
            task.advance()
    MediaAsset.objects.bulk_create(clones)
    special = [sp for sp in plan.styles if sp.spin or sp.model3d]
    with ui.task("360° spin sets and GLB models", len(special)) as task:
        for sp in special:
            style = Style.objects.get(pk=written.style_ids[sp.code])
            if sp.spin:
                frames = images.spin_frames(sp.shape, sp.material, frames=12)
                media.add_spin_frames(style=style, uploads=frames)
                counts["spins"] += 1
            if sp.model3d:
                metal = sp.material if sp.material in glb.METALS else "gold"
                media.add_model_3d(style=style, upload=glb.ring_glb(metal=metal, with_stone="diamond" in sp.shape))
                counts["models"] += 1
            task.advance()
    return counts


def finish(plan: CatalogPlan, written: Written, ui: UI) -> None:
    """History fields, then the services' batch functions over every style: summaries, prices,
    availability and the search index."""
    now = timezone.now()
    styles = list(Style.objects.filter(pk__in=list(written.style_ids.values())).only("pk", "code"))
    by_code = {sp.code: sp for sp in plan.styles}
    for style in styles:
        sp = by_code[style.code]
        style.popularity = sp.popularity
        style.published_at = now - timedelta(days=sp.published_days_ago, minutes=int(style.code[-6:]) * 37 % 1440)
    Style.objects.bulk_update(styles, ["popularity", "published_at"], batch_size=1000)
    ids = sorted(written.style_ids.values())
    by_weight = set(
        Style.objects.filter(pk__in=ids, pricing_mode=Style.PricingMode.BY_WEIGHT).values_list("pk", flat=True)
    )
    steps: list[tuple[str, Callable[[list[int]], Any]]] = [
        ("Catalog summaries", lambda chunk: catalog.refresh_catalog_summary(style_ids=chunk)),
        (
            "Prices",
            lambda chunk: (
                pricing.reprice(style_ids=[i for i in chunk if i in by_weight], reason=PriceChange.Reason.METAL_PRICE)
                if any(i in by_weight for i in chunk)
                else 0,
                pricing.reprice(
                    style_ids=[i for i in chunk if i not in by_weight], reason=PriceChange.Reason.FIXED_PRICE
                )
                if any(i not in by_weight for i in chunk)
                else 0,
            ),
        ),
        ("Availability and price-from", lambda chunk: inventory.refresh_style_availability(style_ids=chunk)),
        ("Search index", lambda chunk: search.index_styles(style_ids=chunk)),
    ]
    for label, step in steps:
        with ui.task(label, len(ids)) as task:
            for chunk in _chunked(ids, CHUNK):
                step(list(chunk))
                task.advance(len(chunk))


def _opening_values(piece: Piece) -> dict[str, str]:
    values = {"weight_g": format(piece.weight_g, "f")}
    if piece.measured_fineness is not None:
        values["fineness_permille"] = format(piece.measured_fineness, "f")
    return values


def opening_inspections(written: Written, ui: UI) -> int:
    """The opening stock passed its inbound inspection at the location it was received at (the
    demo records the result, not readings: there were no inspectors before the shop opened)."""
    ids = sorted(written.piece_ids.values())
    # Where each piece was received (some have been transferred since).
    stock = dict(
        StockMovement.objects.filter(piece_id__in=ids, kind=StockMovement.Kind.RECEIVED).values_list(
            "piece_id", "location_id"
        )
    )
    inspected = set(Inspection.objects.filter(piece_id__in=ids, gate=Gate.INBOUND).values_list("piece_id", flat=True))
    now = timezone.now()
    made = 0
    with ui.task("Inbound inspections of the opening stock", len(ids)) as task:
        for chunk in _chunked(ids, CHUNK):
            pieces = Piece.objects.filter(pk__in=list(chunk)).only("pk", "weight_g", "measured_fineness")
            rows = [
                Inspection(
                    piece_id=piece.pk,
                    gate=Gate.INBOUND,
                    station_id=stock[piece.pk],
                    state=Inspection.State.PASSED,
                    reference=OPENING_REFERENCE,
                    opened_at=now,
                    decided_at=now,
                    verified=_opening_values(piece),
                )
                for piece in pieces
                if piece.pk in stock and piece.pk not in inspected
            ]
            Inspection.objects.bulk_create(rows)
            made += len(rows)
            task.advance(len(chunk))
    return made


def log_provenance(written: Written, ui: UI) -> int:
    """Each demo piece's history so far in the provenance log: made (its declared attributes, by
    the platform), certified (by its lab: the demo's labs get keys held by the platform; real labs
    submit their own signed statements), received at its location, passed its inbound inspection
    (by the location's QC station)."""
    style_ids = sorted(written.style_ids.values())
    pieces = list(
        Piece.objects.filter(style_id__in=style_ids)
        .select_related("style", "variant")
        .prefetch_related("stones", "certificates")
        .order_by("pk")
    )
    stock = dict(PieceStock.objects.filter(piece__in=pieces).values_list("piece_id", "location_id"))
    parties = {location_id: location_party(location_id) for location_id in set(stock.values())}
    opening = {
        piece_id: (station_id, verified)
        for piece_id, station_id, verified in Inspection.objects.filter(
            piece__in=pieces, reference=OPENING_REFERENCE
        ).values_list("piece_id", "station_id", "verified")
    }
    stations = {station_id: station_party(station_id) for station_id, _ in opening.values()}
    for lab in {c.lab for piece in pieces for c in piece.certificates.all()}:
        provenance.ensure_party(provenance.lab_party_id(lab), kind="lab", name=lab)
    provenance.ensure_party(provenance.PLATFORM, kind="platform", name="Auric")
    # What the services' events logged already (the service writer, stock receipts) is not repeated.
    already = {
        (piece, kind)
        for model in (LogEntry, PendingEntry)
        for piece, kind in model.objects.filter(type__in=["piece.made", "inventory.received"]).values_list(
            "piece", "type"
        )
    }
    logged = 0
    with ui.task("Provenance log (signed histories)", len(pieces)) as task:
        for chunk in _chunked(pieces, 250):
            planned = []
            for piece in chunk:
                public_id = provenance.piece_public_id(piece)
                made = piece.created_at
                if (public_id, "piece.made") not in already:
                    planned.append(
                        provenance.Planned(
                            "piece.made",
                            provenance.PLATFORM,
                            public_id,
                            declared_attributes(piece),
                            f"demo:made:{piece.pk}",
                            made,
                        )
                    )
                for certificate in piece.certificates.all():
                    planned.append(
                        provenance.Planned(
                            "certificate.issued",
                            provenance.lab_party_id(certificate.lab),
                            public_id,
                            provenance.certificate_data(certificate),
                            f"certificate:{certificate.lab}:{certificate.report_number}",
                            made,
                        )
                    )
                if piece.pk in stock and (public_id, "inventory.received") not in already:
                    party = parties[stock[piece.pk]]
                    planned.append(
                        provenance.Planned(
                            "inventory.received",
                            party,
                            public_id,
                            {"location": party},
                            f"demo:received:{piece.pk}",
                            made,
                        )
                    )
                if piece.pk in opening:
                    station_id, verified = opening[piece.pk]
                    station = stations[station_id]
                    planned.append(
                        provenance.Planned(
                            "qc.passed",
                            station,
                            public_id,
                            {
                                "gate": Gate.INBOUND.value,
                                "station": station,
                                "measured": verified,
                                "dual_verified": False,
                                "escalated": False,
                                "instruments": [],
                            },
                            f"demo:inbound:{piece.pk}",
                            made,
                        )
                    )
            logged += len(planned)
            provenance.record_many(planned)
            task.advance(len(chunk))
    return logged


def counts() -> dict[str, int]:
    styles = demo_styles()
    pieces = Piece.objects.filter(style__in=styles)
    return {
        "styles": styles.count(),
        "live styles": styles.filter(status=Style.Status.LIVE).count(),
        "variants": Variant.objects.filter(style__in=styles).count(),
        "pieces": pieces.count(),
        "certificates": Certificate.objects.filter(piece__in=pieces).count(),
        "available pieces": PieceStock.objects.filter(piece__in=pieces, status=PieceStatus.AVAILABLE).count(),
        "pieces in transit": PieceStock.objects.filter(piece__in=pieces, status=PieceStatus.IN_TRANSIT).count(),
        "quantity units": sum(StockLevel.objects.filter(variant__style__in=styles).values_list("on_hand", flat=True)),
        "locations": Location.objects.filter(code__in=[loc.code for loc in data.LOCATIONS]).count(),
        "metal prices": MetalPrice.objects.count(),
        "media assets": MediaAsset.objects.filter(style__in=styles).count(),
        "categories": Category.objects.count(),
        "collections": Collection.objects.count(),
    }


def load(plan: CatalogPlan, *, bulk: bool, ui: UI, with_media: bool = True) -> dict[str, int]:
    """Write the whole demo shop for a plan; returns the counts printed by the command."""
    # The provenance log takes the whole load as one batch (one checkpoint), not a batch per event.
    with provenance.sequencing_deferred():
        return _load(plan, bulk=bulk, ui=ui, with_media=with_media)


def _load(plan: CatalogPlan, *, bulk: bool, ui: UI, with_media: bool) -> dict[str, int]:
    taxonomy = ensure_taxonomy()
    load_metal_prices(plan.seed, ui)
    writer = BulkWriter(taxonomy) if bulk else ServiceWriter(taxonomy)
    written = writer.write(plan, ui)
    with ui.task("Transfers and flash prices", 2) as task:
        make_transfers(plan, written, taxonomy["locations"])
        task.advance()
        make_flash_prices(plan, written)
        task.advance()
    if with_media:
        add_media(plan, written, ui)
    finish(plan, written, ui)
    opening_inspections(written, ui)
    log_provenance(written, ui)
    return counts()


def style_ids_of(codes: Iterable[str]) -> list[int]:
    return list(Style.objects.filter(code__in=list(codes)).values_list("pk", flat=True))
