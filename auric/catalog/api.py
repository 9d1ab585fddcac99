"""Catalog API: browse and search styles, style and category detail, collections.

Thin: parameters are parsed here, `catalog.search.browse` does the searching, and the rows are
shaped into the schemas below. Only live styles are public. The schemas for stones, certificates
and media are shared with the pricing router (piece detail).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.core.files.storage import default_storage
from django.db.models import Max, Min, Prefetch
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema

from auric.api import READ_ERRORS, DecimalStr, Page, PageQuery, errors, page_of, text
from auric.catalog import vocab
from auric.catalog.models import Category, Certificate, Collection, MediaAsset, Piece, Stone, Style, Tag, Variant
from auric.catalog.search import CARAT_BUCKETS, PRICE_BUCKETS, BrowseFilters, browse

router = Router(tags=["catalog"])

SLUG_PATTERN = r"^[-a-zA-Z0-9_]{1,120}$"
SERIAL_PATTERN = r"^[-A-Za-z0-9_.]{1,40}$"
MAX_PIECES_IN_DETAIL = 100
# Catalog reads stock through the reverse relation by name (it must not import inventory).
AVAILABLE = "available"

StyleSlug = Path(..., pattern=SLUG_PATTERN, description="The style's slug")


# --- shared shapes ------------------------------------------------------------------------------


class FinenessOut(Schema):
    metal: str
    permille: int
    mark: str = Field(..., description="GB 11887 mark as stamped: 足金, 18K, Pt950, S925")
    name_zh: str


def fineness_out(metal: str, fineness: int | None) -> FinenessOut | None:
    if not metal or fineness is None:
        return None
    try:
        mark = vocab.fineness_mark(metal, fineness)
    except vocab.VocabularyError:
        return None
    return FinenessOut(metal=mark.metal.value, permille=mark.permille, mark=mark.mark, name_zh=mark.name_zh)


class StoneGradesOut(Schema):
    colour: str = ""
    clarity: str = ""
    cut: str = ""
    polish: str = ""
    symmetry: str = ""
    fluorescence: str = ""


class StoneOut(Schema):
    is_main: bool
    kind: str
    name_zh: str
    origin: str
    count: int
    carat: DecimalStr
    gia: StoneGradesOut = Field(..., description="GIA grading scale")
    gb: StoneGradesOut = Field(..., description="GB/T 16554-2017 equivalents")
    lab_grown_grade: str
    treatment: str


def _finish_zh(grade: str) -> str:
    return vocab.FINISH_NAMES[grade][1] if grade in vocab.FINISH_NAMES else grade


def stone_out(stone: Stone) -> StoneOut:
    gia = StoneGradesOut(
        colour=stone.colour,
        clarity=stone.clarity,
        cut=stone.cut,
        polish=stone.polish,
        symmetry=stone.symmetry,
        fluorescence=stone.fluorescence,
    )
    gb = StoneGradesOut(
        colour=vocab.gb_colour(stone.colour) if stone.colour in vocab.DIAMOND_COLOURS else stone.colour,
        clarity=vocab.gb_clarity(stone.clarity) if stone.clarity in vocab.DIAMOND_CLARITIES else stone.clarity,
        cut=_finish_zh(stone.cut),
        polish=_finish_zh(stone.polish),
        symmetry=_finish_zh(stone.symmetry),
        fluorescence=(
            vocab.FLUORESCENCE_NAMES[stone.fluorescence][1]
            if stone.fluorescence in vocab.FLUORESCENCE_NAMES
            else stone.fluorescence
        ),
    )
    try:
        name_zh = vocab.gem_name_zh(vocab.GemKind(stone.kind), vocab.GemOrigin(stone.origin))
    except ValueError:
        name_zh = stone.kind
    return StoneOut(
        is_main=stone.is_main,
        kind=stone.kind,
        name_zh=name_zh,
        origin=stone.origin,
        count=stone.count,
        carat=stone.carat,
        gia=gia,
        gb=gb,
        lab_grown_grade=stone.lab_grown_grade,
        treatment=stone.treatment,
    )


class CertificateOut(Schema):
    lab: str
    report_number: str
    issued_on: date
    grades: dict[str, Any]


def certificate_out(certificate: Certificate) -> CertificateOut:
    grades = certificate.grades if isinstance(certificate.grades, dict) else {}
    return CertificateOut(
        lab=certificate.lab, report_number=certificate.report_number, issued_on=certificate.issued_on, grades=grades
    )


class RenditionOut(Schema):
    width: int
    height: int | None = None
    webp: str | None = None
    jpeg: str | None = None


class MediaOut(Schema):
    kind: str
    position: int
    url: str | None
    width: int | None
    height: int | None
    video_url: str
    alt: str
    alt_en: str
    renditions: list[RenditionOut] = Field(..., description="Resized copies, narrowest first")


def _url(name: str) -> str | None:
    return default_storage.url(name) if name else None


def media_out(asset: MediaAsset) -> MediaOut:
    renditions: list[RenditionOut] = []
    raw = asset.renditions if isinstance(asset.renditions, dict) else {}
    for width, formats in raw.items():
        if not str(width).isdigit() or not isinstance(formats, dict):
            continue
        height = formats.get("height")
        renditions.append(
            RenditionOut(
                width=int(width),
                height=height if isinstance(height, int) else None,
                webp=_url(formats.get("webp") or ""),
                jpeg=_url(formats.get("jpeg") or ""),
            )
        )
    renditions.sort(key=lambda r: r.width)
    return MediaOut(
        kind=asset.kind,
        position=asset.position,
        url=_url(asset.file.name or "") if asset.file else None,
        width=asset.width,
        height=asset.height,
        video_url=asset.video_url,
        alt=asset.alt,
        alt_en=asset.alt_en,
        renditions=renditions,
    )


class StyleCard(Schema):
    code: str
    slug: str
    title: str
    title_en: str
    category: str = Field(..., description="Category slug")
    collection: str | None = Field(None, description="Collection slug")
    pricing_mode: str
    metal: str
    fineness: FinenessOut | None
    gem: str
    carat_max: DecimalStr | None
    cert_lab: str
    currency: str
    price_from: DecimalStr | None
    list_price: DecimalStr | None = Field(None, description="Anchor price, shown struck through")
    available_count: int
    online_count: int
    is_customised: bool
    published_at: datetime | None
    image: MediaOut | None = Field(None, description="The first image")


def style_card(style: Style, media: list[MediaAsset] | None = None) -> StyleCard:
    """A card; `media` are the style's own media when loaded already, else `style.media` is read."""
    if media is None:
        media = list(style.media.all())
    images = [m for m in media if m.kind == MediaAsset.Kind.IMAGE and m.piece_id is None]
    return StyleCard(
        code=style.code,
        slug=style.slug,
        title=style.title,
        title_en=style.title_en,
        category=style.category.slug,
        collection=style.collection.slug if style.collection else None,
        pricing_mode=style.pricing_mode,
        metal=style.metal,
        fineness=fineness_out(style.metal, style.fineness),
        gem=style.gem,
        carat_max=style.carat_max,
        cert_lab=style.cert_lab,
        currency=style.currency,
        price_from=style.price_from,
        list_price=style.list_price,
        available_count=style.available_count,
        online_count=style.online_count,
        is_customised=style.is_customised,
        published_at=style.published_at,
        image=media_out(images[0]) if images else None,
    )


class FacetValueOut(Schema):
    value: str = Field(..., description="Pass back as the filter of the same name")
    label: str
    label_en: str
    count: int
    selected: bool
    parent: str = Field("", description="Category facet: the parent's slug")


class StyleList(Page):
    items: list[StyleCard]
    facets: dict[str, list[FacetValueOut]] = Field(..., description="Counts per filter value")


# --- browse and search --------------------------------------------------------------------------

Ordering = Literal["relevance", "price_asc", "price_desc", "newest", "popular"]


if TYPE_CHECKING:
    CaratRange = str
    PriceRangeKey = str
else:  # the facet keys of catalog.search, so the schema lists them
    CaratRange = Literal[tuple(bucket[0] for bucket in CARAT_BUCKETS)]
    PriceRangeKey = Literal[tuple(bucket[0] for bucket in PRICE_BUCKETS)]
FINENESS_PATTERN = r"^((gold|platinum|palladium|silver)-)?[0-9]{1,4}$"
MAX_AMOUNT = Decimal("100000000")


class StyleQuery(Schema):
    q: str = text(200, description="Words to search for (Chinese or English)")
    ordering: Ordering = Field("relevance", description="relevance falls back to newest without q")
    category: str | None = Field(None, pattern=SLUG_PATTERN, description="Category slug (its children included)")
    collection: str | None = Field(None, pattern=SLUG_PATTERN, description="Collection slug")
    craft: str | None = Field(None, pattern=SLUG_PATTERN, description="Craft tag code, e.g. gufa")
    store: str | None = Field(None, pattern=SLUG_PATTERN, description="Location code: styles available there")
    metal: vocab.Metal | None = None
    fineness: str | None = Field(None, pattern=FINENESS_PATTERN, description="Permille (990) or mark code (gold-990)")
    gem: vocab.GemKind | None = None
    cert_lab: vocab.Lab | None = None
    carat_min: Decimal | None = Field(None, ge=0, le=500, description="Main stone carat, inclusive")
    carat_max: Decimal | None = Field(None, ge=0, le=500)
    carat_range: CaratRange | None = Field(None, description="A carat facet value")
    price_min: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT, description="On price_from, inclusive")
    price_max: Decimal | None = Field(None, ge=0, le=MAX_AMOUNT)
    price_range: PriceRangeKey | None = Field(None, description="A price facet value")
    in_stock_online: bool = Field(False, description="Only styles that can be bought online now")


def _browse(query: StyleQuery, paging: PageQuery) -> dict[str, Any]:
    filters = BrowseFilters(
        category=query.category,
        collection=query.collection,
        craft=query.craft,
        store=query.store,
        metal=query.metal.value if query.metal else None,
        fineness=query.fineness,
        gem=query.gem.value if query.gem else None,
        cert_lab=query.cert_lab.value if query.cert_lab else None,
        carat_min=query.carat_min,
        carat_max=query.carat_max,
        carat_range=query.carat_range,
        price_min=query.price_min,
        price_max=query.price_max,
        price_range=query.price_range,
        in_stock_online=query.in_stock_online,
    )
    result = browse(query=query.q, filters=filters, sort=query.ordering, page=paging.page, per_page=paging.page_size)
    return {
        "items": [style_card(style, getattr(style, "listing_images", None)) for style in result.items],
        "count": result.total,
        "page": result.page,
        "page_size": result.per_page,
        "pages": result.pages,
        "facets": {
            name: [
                FacetValueOut(
                    value=str(v.value),
                    label=v.label,
                    label_en=v.label_en,
                    count=v.count,
                    selected=v.selected,
                    parent=v.parent,
                )
                for v in values
            ]
            for name, values in result.facets.items()
        },
    }


@router.get("/catalog/styles", response={200: StyleList, **READ_ERRORS}, summary="Browse styles")
def list_styles(request: HttpRequest, query: Query[StyleQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    return _browse(query, paging)


@router.get("/search", response={200: StyleList, **READ_ERRORS}, summary="Search styles")
def search_styles(request: HttpRequest, query: Query[StyleQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    """The same as /catalog/styles; `q` is the search text."""
    return _browse(query, paging)


# --- style detail -------------------------------------------------------------------------------


class TagOut(Schema):
    kind: str
    code: str
    name: str
    name_en: str


class VariantOut(Schema):
    sku: str
    metal: str
    fineness: FinenessOut | None
    size: str
    is_serialized: bool
    fixed_price: DecimalStr | None
    unit_weight_g: DecimalStr | None


class PieceSummary(Schema):
    serial_number: str
    sku: str
    size: str
    weight_g: DecimalStr
    measured_fineness: DecimalStr | None
    price: DecimalStr | None
    stones: list[StoneOut]
    certificates: list[CertificateOut]


class PriceRange(Schema):
    min: DecimalStr | None
    max: DecimalStr | None
    currency: str


class StyleDetail(StyleCard):
    description: str
    description_en: str
    tags: list[TagOut]
    labour_fee: DecimalStr
    labour_basis: str
    fixed_price: DecimalStr | None
    variants: list[VariantOut]
    available_pieces: list[PieceSummary] = Field(..., description=f"Up to {MAX_PIECES_IN_DETAIL}, cheapest first")
    price_range: PriceRange = Field(..., description="Over the available pieces")
    media: list[MediaOut]


def _fen(amount: Decimal | None) -> Decimal | None:
    # SQLite aggregates lose a decimal column's scale (12800 for 12800.00).
    return amount.quantize(Decimal("0.01")) if amount is not None else None


def live_style(slug: str) -> Style:
    style = Style.objects.select_related("category", "collection").filter(slug=slug, status=Style.Status.LIVE).first()
    if style is None:
        raise Http404(f"No live style {slug!r}")
    return style


def piece_summary(piece: Piece) -> PieceSummary:
    return PieceSummary(
        serial_number=piece.serial_number,
        sku=piece.variant.sku,
        size=piece.variant.size,
        weight_g=piece.weight_g,
        measured_fineness=piece.measured_fineness,
        price=piece.price,
        stones=[stone_out(s) for s in piece.stones.all()],
        certificates=[certificate_out(c) for c in piece.certificates.all()],
    )


def variant_out(variant: Variant) -> VariantOut:
    return VariantOut(
        sku=variant.sku,
        metal=variant.metal,
        fineness=fineness_out(variant.metal, variant.fineness),
        size=variant.size,
        is_serialized=variant.is_serialized,
        fixed_price=variant.fixed_price,
        unit_weight_g=variant.unit_weight_g,
    )


@router.get(
    "/catalog/styles/{slug}", response={200: StyleDetail, 404: errors(404)[404], **READ_ERRORS}, summary="A style"
)
def get_style(request: HttpRequest, slug: str = StyleSlug) -> StyleDetail:
    style = live_style(slug)
    media = list(MediaAsset.objects.filter(style=style, piece__isnull=True))
    available = Piece.objects.filter(style=style, stock__status=AVAILABLE)
    pieces = list(
        available.select_related("variant")
        .prefetch_related(Prefetch("stones", queryset=Stone.objects.all()), "certificates")
        .order_by("price", "serial_number")[:MAX_PIECES_IN_DETAIL]
    )
    bounds = available.aggregate(low=Min("price"), high=Max("price"))
    card = style_card(style, media)
    return StyleDetail(
        **dict(card),
        description=style.description,
        description_en=style.description_en,
        tags=[
            TagOut(kind=t.kind, code=t.code, name=t.name, name_en=t.name_en) for t in Tag.objects.filter(styles=style)
        ],
        labour_fee=style.labour_fee,
        labour_basis=style.labour_basis,
        fixed_price=style.fixed_price,
        variants=[variant_out(v) for v in Variant.objects.filter(style=style)],
        available_pieces=[piece_summary(p) for p in pieces],
        price_range=PriceRange(min=_fen(bounds["low"]), max=_fen(bounds["high"]), currency=style.currency),
        media=[media_out(m) for m in media],
    )


# --- categories and collections -----------------------------------------------------------------


class CategoryNode(Schema):
    slug: str
    name: str
    name_en: str
    style_count: int = Field(..., description="Live styles directly in this category")
    children: list[CategoryNode]


CategoryNode.model_rebuild()


@router.get("/catalog/categories", response={200: list[CategoryNode], **READ_ERRORS}, summary="The category tree")
def list_categories(request: HttpRequest) -> list[CategoryNode]:
    from django.db.models import Count, Q

    rows = list(
        Category.objects.annotate(live=Count("styles", filter=Q(styles__status=Style.Status.LIVE))).order_by(
            "position", "name", "id"
        )
    )
    nodes = {
        c.id: CategoryNode(slug=c.slug, name=c.name, name_en=c.name_en, style_count=c.live, children=[]) for c in rows
    }
    roots: list[CategoryNode] = []
    for c in rows:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent is not None else roots).append(nodes[c.id])
    return roots


class CollectionOut(Schema):
    slug: str
    name: str
    name_en: str
    description: str
    description_en: str
    edition_size: int | None = Field(None, description="Set for limited editions")
    launched_on: date | None
    is_featured: bool


class CollectionList(Page):
    items: list[CollectionOut]


@router.get("/catalog/collections", response={200: CollectionList, **READ_ERRORS}, summary="Collections")
def list_collections(request: HttpRequest, paging: Query[PageQuery]) -> dict[str, Any]:
    return page_of(Collection.objects.order_by("-launched_on", "name", "id"), paging)


# --- pieces (list, and one piece by its numeric id) ------------------------------------------------


class PieceOut(Schema):
    id: int
    serial: str
    serial_number: str
    style: str = Field(..., description="Style slug")
    style_title: str
    sku: str
    weight_g: DecimalStr
    price: DecimalStr | None = Field(None, description="Current selling price")
    currency: str
    status: str = Field(..., description="available, reserved, sold, in_transit, quarantined or not_in_stock")
    is_customised: bool


class PieceList(Page):
    items: list[PieceOut]


class PieceQuery(Schema):
    available: bool | None = Field(None, description="true: only pieces that can be bought now")
    style: str | None = Field(None, pattern=SLUG_PATTERN, description="Style slug")
    serial: str | None = Field(None, pattern=SERIAL_PATTERN, description="Serial number")


def piece_out(piece: Piece) -> PieceOut:
    status = getattr(piece, "stock_status", None) or "not_in_stock"
    return PieceOut(
        id=piece.pk,
        serial=piece.serial_number,
        serial_number=piece.serial_number,
        style=piece.style.slug,
        style_title=piece.style.title,
        sku=piece.variant.sku,
        weight_g=piece.weight_g,
        price=piece.price,
        currency=piece.style.currency,
        status=status,
        is_customised=piece.style.is_customised,
    )


def _live_pieces() -> Any:
    from django.db.models import F

    return (
        Piece.objects.filter(style__status=Style.Status.LIVE)
        .select_related("style", "variant")
        .annotate(stock_status=F("stock__status"))
    )


@router.get("/catalog/pieces", response={200: PieceList, **READ_ERRORS}, summary="Pieces for sale")
def list_pieces(request: HttpRequest, query: Query[PieceQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    pieces = _live_pieces()
    if query.available is True:
        pieces = pieces.filter(stock__status=AVAILABLE)
    elif query.available is False:
        from django.db.models import Q

        pieces = pieces.filter(~Q(stock__status=AVAILABLE) | Q(stock__isnull=True))
    if query.style:
        pieces = pieces.filter(style__slug=query.style)
    if query.serial:
        pieces = pieces.filter(serial_number=query.serial)
    page = page_of(pieces.order_by("id"), paging)
    page["items"] = [piece_out(p) for p in page["items"]]
    return page


@router.get(
    "/catalog/pieces/{int:piece_id}",
    response={200: PieceOut, 404: errors(404)[404], **READ_ERRORS},
    summary="One piece by its id (a serial number works too)",
)
def get_piece_by_id(request: HttpRequest, piece_id: int) -> PieceOut:
    """Numeric ids are looked up as ids first, then as an all-digit serial number; other serial
    numbers are answered by the piece detail with its price breakdown."""
    piece = _live_pieces().filter(pk=piece_id).first() or _live_pieces().filter(serial_number=str(piece_id)).first()
    if piece is None:
        raise Http404(f"No piece {piece_id}")
    return piece_out(piece)
