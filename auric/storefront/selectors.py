"""Read queries for shopper pages, each in a fixed number of queries whatever the number of styles,
pieces, stones or images (tests in tests/storefront/test_query_counts.py hold them to it).

Nothing here is cached: prices change with the daily metal price and stock changes with every
sale, and a page that shows a stale price or a sold piece is worse than a slower page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects

from auric.catalog.models import Category, Collection, MediaAsset, Piece, Style
from auric.inventory.models import PieceStatus
from auric.pricing.models import PriceChange
from auric.pricing.selectors import TodayPrice, today_prices

NEW_ARRIVALS = 8
FEATURED_COLLECTIONS = 4
PRICE_LOG_ROWS = 20
# The metals and finenesses quoted in the home page's price strip, in this order.
QUOTED_METALS: tuple[tuple[str, int], ...] = (("gold", 990), ("gold", 750), ("platinum", 950), ("silver", 925))


def live_styles() -> QuerySet[Style]:
    return Style.objects.filter(status=Style.Status.LIVE)


def card_images() -> Prefetch:
    """Style images (not piece photos, not spin frames) in gallery order, as `style.images`."""
    return Prefetch(
        "media",
        queryset=MediaAsset.objects.filter(kind=MediaAsset.Kind.IMAGE, piece__isnull=True).order_by("position", "id"),
        to_attr="images",
    )


def with_cards(styles: Sequence[Style]) -> list[Style]:
    """Attach what a product card shows to loaded styles: `style.images` and craft tags (1–2 queries).

    Styles from `catalog.search.browse()` arrive with `listing_images`; others get theirs here.
    """
    items = list(styles)
    if not items:
        return items
    if all(hasattr(s, "listing_images") for s in items):
        for s in items:
            s.images = [m for m in s.listing_images if m.piece_id is None] or s.listing_images  # type: ignore[attr-defined]
        prefetch_related_objects(items, "tags")
    else:
        prefetch_related_objects(items, card_images(), "tags")
    return items


@dataclass(frozen=True)
class HomePage:
    collections: list[Collection]
    new_arrivals: list[Style]
    metal_prices: list[TodayPrice]
    categories: list[Category]


def quoted_metal_prices(*, on_date: date | None = None) -> list[TodayPrice]:
    """The prices in force today for the marks quoted in the price strip (pricing selector: 2 queries)."""
    wanted = {key: i for i, key in enumerate(QUOTED_METALS)}
    rows = [p for p in today_prices(on_date=on_date) if (p.mark.metal.value, p.mark.permille) in wanted]
    return sorted(rows, key=lambda p: wanted[(p.mark.metal.value, p.mark.permille)])


def top_categories() -> list[Category]:
    return list(Category.objects.filter(parent__isnull=True))


def home_page() -> HomePage:
    """Featured and limited collections, new arrivals, the price strip and categories: 7 queries."""
    collections = list(
        Collection.objects.filter(Q(is_featured=True) | Q(edition_size__isnull=False))
        .filter(styles__status=Style.Status.LIVE)
        .distinct()
        .order_by("-is_featured", "-launched_on", "name")[:FEATURED_COLLECTIONS]
    )
    arrivals = with_cards(
        list(live_styles().select_related("collection").order_by("-published_at", "-id")[:NEW_ARRIVALS])
    )
    return HomePage(
        collections=collections,
        new_arrivals=arrivals,
        metal_prices=quoted_metal_prices(),
        categories=top_categories(),
    )


@dataclass
class ProductPage:
    style: Style
    images: list[MediaAsset]
    spin_frames: list[MediaAsset]
    models_3d: list[MediaAsset]
    videos: list[MediaAsset]
    pieces: list[Piece]  # available pieces, by serial number
    selected: Piece | None
    price_changes: list[PriceChange]
    crafts: list[Any] = field(default_factory=list)
    themes: list[Any] = field(default_factory=list)

    @property
    def main_image(self) -> MediaAsset | None:
        return self.images[0] if self.images else None


def product_page(*, slug: str, piece_serial: str = "") -> ProductPage | None:
    """A live style with its media, available pieces (stones, certificates, location) and public
    price log: 8 queries however many pieces, stones, certificates or images it has.

    The selected piece is the one named by `piece_serial` when it is available, else the first
    available piece (the lowest serial), else none (sold out).
    """
    style = (
        live_styles()
        .select_related("category", "collection")
        .prefetch_related(
            "tags",
            Prefetch("media", queryset=MediaAsset.objects.order_by("kind", "position", "id"), to_attr="all_media"),
            "variants",
        )
        .filter(slug=slug)
        .first()
    )
    if style is None:
        return None
    pieces = list(
        Piece.objects.filter(style=style, stock__status=PieceStatus.AVAILABLE)
        .select_related("variant", "stock__location")
        .prefetch_related("stones", "certificates")
        .order_by("serial_number")
    )
    selected = next((p for p in pieces if piece_serial and p.serial_number == piece_serial), None)
    if selected is None and pieces:
        selected = pieces[0]
    media: list[MediaAsset] = style.all_media
    # Photos of another piece than the one shown would mislead: show style photos plus the selected piece's.
    images = [
        m
        for m in media
        if m.kind == MediaAsset.Kind.IMAGE and (m.piece_id is None or (selected and m.piece_id == selected.pk))
    ]
    changes = list(PriceChange.objects.filter(style=style).select_related("piece")[:PRICE_LOG_ROWS])
    tags = list(style.tags.all())
    return ProductPage(
        style=style,
        images=images,
        spin_frames=[m for m in media if m.kind == MediaAsset.Kind.SPIN_FRAME],
        models_3d=[m for m in media if m.kind == MediaAsset.Kind.MODEL_3D and m.file],
        videos=[m for m in media if m.kind == MediaAsset.Kind.VIDEO and m.video_url],
        pieces=pieces,
        selected=selected,
        price_changes=changes,
        crafts=[t for t in tags if t.kind == "craft"],
        themes=[t for t in tags if t.kind == "theme"],
    )
