"""`manage.py load_demo_data` on a small catalog: the promised mix, valid media, consistent
summaries, idempotence, and the bulk writer producing what the services produce.

The catalog is loaded once for the module (committed, so outbox events are delivered as in
production) and removed again at the end, so other test modules see an empty database.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone

from auric.catalog import search
from auric.catalog.models import Category, Collection, MediaAsset, Piece, SearchDocument, Stone, Style, Tag
from auric.catalog.services import refresh_catalog_summary
from auric.core.models import AuditEntry, HandlerRun, OutboxEvent
from auric.demo import data, loader
from auric.demo.plan import build_plan
from auric.inventory.models import Location, PieceStock, StockLevel, StockMovement
from auric.inventory.services import refresh_style_availability, replay_piece_state
from auric.pricing import services as pricing
from auric.pricing.models import FlashPrice, MetalPrice, PriceChange
from auric.provenance import services as provenance_services
from auric.provenance.models import LogEntry
from auric.provenance.statements import parse_entry
from auric.quality import suppliers
from auric.quality.models import Gate, Inspection, Supplier, SupplyReceipt
from tests.demo.gltf_check import validate_glb
from tests.provenance.support import empty_log

STYLES = 22  # at least one style of every family
SEED = 7


def _load(**options: Any) -> str:
    out = io.StringIO()
    call_command("load_demo_data", styles=STYLES, seed=SEED, stdout=out, **options)
    return out.getvalue()


def _clean() -> None:
    empty_log()  # the demo logs its pieces' histories; the log outlives the pieces otherwise
    loader.remove_demo_data()
    MetalPrice.objects.all().delete()
    Supplier.objects.filter(code__in=[row[0] for row in data.SUPPLIERS]).delete()
    Location.objects.filter(code__in=[loc.code for loc in data.LOCATIONS]).delete()
    Category.objects.filter(parent__isnull=False, slug__in=[c[0] for c in data.CATEGORIES]).delete()
    Category.objects.filter(slug__in=[c[0] for c in data.CATEGORIES]).delete()
    Collection.objects.filter(slug__in=[c[0] for c in data.COLLECTIONS]).delete()
    Tag.objects.filter(kind=Tag.Kind.THEME, code__in=[t[0] for t in data.THEMES]).delete()
    HandlerRun.objects.all().delete()
    OutboxEvent.objects.all().delete()
    AuditEntry.objects.all().delete()


@pytest.fixture(scope="module")
def demo(django_db_setup: Any, django_db_blocker: Any) -> Iterator[str]:
    with (
        django_db_blocker.unblock(),
        override_settings(AURIC_QC_INBOUND_GATE=True, AURIC_SUPPLIER_RECEIPTS_REQUIRED=True),
    ):  # as in production
        _clean()
        output = _load()
        yield output
        _clean()


pytestmark = pytest.mark.django_db


def test_the_command_reports_its_counts(demo):
    assert "styles" in demo and "pieces" in demo


def test_catalog_mixes_gold_platinum_silver_diamonds_jade_and_pearls(demo):
    styles = loader.demo_styles()

    assert {"gold", "platinum", "silver"} <= set(styles.values_list("metal", flat=True))
    assert {"diamond", "jadeite", "nephrite", "pearl"} <= set(styles.values_list("gem", flat=True))
    assert {"by_weight", "fixed"} == set(styles.values_list("pricing_mode", flat=True))
    assert Stone.objects.filter(origin="lab_grown", is_main=True).exists()
    assert {"GIA", "NGTC", "IGI"} <= set(styles.exclude(cert_lab="").values_list("cert_lab", flat=True)) | set(
        Piece.objects.filter(certificates__isnull=False).values_list("certificates__lab", flat=True)
    )


def test_every_style_is_live_priced_and_has_stock(demo):
    for style in loader.demo_styles():
        assert style.status == Style.Status.LIVE
        assert style.price_from is not None and style.price_from > 0, style.code
        assert style.available_count > 0, style.code


def test_every_piece_passed_its_inbound_inspection_where_it_was_received_and_the_log_says_so(demo):
    pieces = Piece.objects.filter(style__in=loader.demo_styles())
    inspected = dict(
        Inspection.objects.filter(piece__in=pieces, gate=Gate.INBOUND, state=Inspection.State.PASSED).values_list(
            "piece_id", "station__code"
        )
    )
    received = dict(
        StockMovement.objects.filter(piece__in=pieces, kind=StockMovement.Kind.RECEIVED).values_list(
            "piece_id", "location__code"
        )
    )
    assert inspected == received
    piece = pieces.first()
    provenance_services.integrate_all()
    types = {
        parse_entry(bytes(e.entry)).party
        for e in LogEntry.objects.filter(piece=provenance_services.piece_public_id(piece), type="qc.passed")
    }
    assert types == {f"qc.{received[piece.pk].lower().replace('_', '-')}"}


def test_every_piece_came_from_an_approved_certified_supplier(demo):
    pieces = Piece.objects.filter(style__in=loader.demo_styles())
    receipts = SupplyReceipt.objects.filter(piece__in=pieces).select_related("supplier")
    assert receipts.count() == pieces.count()
    for receipt in receipts:
        assert suppliers.is_cleared(supplier=receipt.supplier, on=receipt.received_on)
        assert not suppliers.certification_gaps(
            supplier=receipt.supplier,
            schemes=suppliers.required_schemes(supplier=receipt.supplier, piece=receipt.piece),
            on=receipt.received_on,
        )


def test_every_piece_has_a_price_and_a_stock_row_matching_its_journal(demo):
    pieces = Piece.objects.filter(style__in=loader.demo_styles())

    assert pieces.exists() and not pieces.filter(price__isnull=True).exists()
    for piece in pieces:
        stock = PieceStock.objects.get(piece=piece)
        assert replay_piece_state(piece) == (stock.location_id, stock.status)


def test_gold_prices_follow_weight_times_todays_price_plus_labour(demo):
    piece = Piece.objects.filter(style__pricing_mode="by_weight", style__flash_prices__isnull=True).first()
    breakdown = pricing.price_breakdown(piece=piece)

    today = MetalPrice.objects.get(metal="gold", fineness=990, on_date=timezone.localdate())
    assert breakdown.metal_price_per_gram.amount == today.price_per_gram
    assert piece.price == breakdown.final_price.amount


def test_one_online_warehouse_five_stores_with_coordinates_and_pieces_spread_across_them(demo):
    locations = Location.objects.filter(code__in=[loc.code for loc in data.LOCATIONS])

    assert locations.filter(kind="warehouse", sells_online=True).count() == 1
    stores = locations.filter(kind="store")
    assert stores.count() >= 5
    assert not stores.filter(latitude__isnull=True).exists() and not stores.filter(opening_hours="").exists()
    assert locations.filter(kind="in_transit").exists()
    assert PieceStock.objects.values("location").distinct().count() >= 5


def test_metal_prices_cover_90_days_ending_today_for_every_mark_in_use(demo):
    today = timezone.localdate()
    marks = set(loader.demo_styles().exclude(metal="").values_list("metal", "fineness"))

    for metal, fineness in marks:
        days = MetalPrice.objects.filter(metal=metal, fineness=fineness)
        assert days.count() == 90
        assert max(days.values_list("on_date", flat=True)) == today
        assert min(days.values_list("on_date", flat=True)) == today - timedelta(days=89)
    gold = MetalPrice.objects.filter(metal="gold", fineness=990).values_list("price_per_gram", flat=True)
    assert all(Decimal(700) < p < Decimal(1100) for p in gold)
    silver = MetalPrice.objects.filter(metal="silver", fineness=990).values_list("price_per_gram", flat=True)
    assert all(Decimal(6) < p < Decimal(13) for p in silver)


def test_quantity_goods_are_stocked_by_count_with_a_journal(demo):
    levels = StockLevel.objects.filter(variant__style__in=loader.demo_styles())

    assert levels.exists()
    for level in levels:
        received = StockMovement.objects.filter(variant=level.variant, location=level.location, kind="received")
        assert sum(received.values_list("quantity", flat=True)) == level.on_hand


def test_flash_prices_are_running_on_a_few_styles(demo):
    now = timezone.now()

    assert FlashPrice.objects.filter(starts_at__lte=now, ends_at__gt=now).exists()


def test_every_style_shows_an_image_with_webp_renditions_on_disk(demo):
    for style in loader.demo_styles():
        image = style.media.filter(kind=MediaAsset.Kind.IMAGE).first()
        assert image is not None, style.code
        webp = [r["webp"] for r in image.renditions.values()]
        assert webp and all(default_storage.exists(name) for name in webp)


def test_some_styles_have_a_spin_set_of_at_least_twelve_frames(demo):
    frames = MediaAsset.objects.filter(kind=MediaAsset.Kind.SPIN_FRAME).values_list("style", flat=True)

    assert max(list(frames).count(s) for s in set(frames)) >= 12


def test_the_3d_model_is_a_valid_gltf_binary(demo):
    model = MediaAsset.objects.filter(kind=MediaAsset.Kind.MODEL_3D).first()

    assert model is not None
    with default_storage.open(model.file.name) as fh:
        validate_glb(fh.read())


def test_summaries_prices_and_availability_are_what_the_services_compute(demo):
    ids = list(loader.demo_styles().values_list("pk", flat=True))
    before = list(Style.objects.filter(pk__in=ids).order_by("pk").values())

    refresh_catalog_summary(style_ids=ids)
    assert refresh_style_availability(style_ids=ids) == 0
    assert pricing.reprice(style_ids=ids, reason=PriceChange.Reason.METAL_PRICE) == 0
    after = list(Style.objects.filter(pk__in=ids).order_by("pk").values())
    strip = [{k: v for k, v in row.items() if k != "updated_at"} for row in before]
    assert strip == [{k: v for k, v in row.items() if k != "updated_at"} for row in after]


def test_search_finds_ancient_method_gold_and_diamond_rings(demo):
    assert SearchDocument.objects.filter(style__in=loader.demo_styles()).count() == loader.demo_styles().count()
    assert search.browse(query="古法黄金", filters=search.BrowseFilters()).total > 0
    assert search.browse(query="钻石戒指", filters=search.BrowseFilters()).total > 0


def test_running_again_changes_nothing(demo):
    styles, pieces = loader.demo_styles().count(), Piece.objects.count()

    output = _load()

    assert "already" in output
    assert (loader.demo_styles().count(), Piece.objects.count()) == (styles, pieces)


def _snapshot() -> dict[str, Any]:
    """Everything a shopper or operator sees of the demo styles, without database ids."""
    result: dict[str, Any] = {}
    for style in loader.demo_styles().prefetch_related("tags"):
        pieces = {}
        for piece in Piece.objects.filter(style=style).select_related("stock__location"):
            journal = sorted(
                (m.kind, m.quantity, m.location.code, "T" if m.reference.startswith("T") else m.reference)
                for m in StockMovement.objects.filter(piece=piece).select_related("location")
            )
            pieces[piece.serial_number] = (
                piece.price,
                piece.weight_g,
                piece.stock.status,
                piece.stock.location.code,
                sorted((s.kind, s.carat, s.colour, s.clarity, s.count) for s in piece.stones.all()),
                sorted((c.lab, c.report_number) for c in piece.certificates.all()),
                journal,
            )
        levels = sorted(
            (lv.variant.sku, lv.location.code, lv.on_hand) for lv in StockLevel.objects.filter(variant__style=style)
        )
        result[style.code] = {
            "fields": {
                k: getattr(style, k)
                for k in [
                    "slug",
                    "title",
                    "title_en",
                    "status",
                    "pricing_mode",
                    "labour_fee",
                    "labour_basis",
                    "fixed_price",
                    "list_price",
                    "metal",
                    "fineness",
                    "gem",
                    "carat_max",
                    "cert_lab",
                    "price_from",
                    "available_count",
                    "online_count",
                    "popularity",
                ]
            },
            "tags": sorted(t.code for t in style.tags.all()),
            "variants": sorted(
                style.variants.values_list("sku", "metal", "fineness", "size", "is_serialized", "fixed_price")
            ),
            "pieces": pieces,
            "levels": levels,
            "search": SearchDocument.objects.get(style=style).text,
        }
    return result


def test_the_bulk_writer_produces_what_the_services_produce(demo):
    by_services = _snapshot()

    loader.remove_demo_data()
    loader.load(build_plan(styles=STYLES, seed=SEED), bulk=True, ui=loader.NullUI(), with_media=False)

    assert _snapshot() == by_services
