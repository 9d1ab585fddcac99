"""Pricing API: the metal price book (read, and write with a token), piece prices, price-change log.

Thin: `pricing.services` records prices and works out breakdowns, `pricing.selectors` reads today's
book; this module parses, checks the caller's permission and shapes the answer.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from django.db.models import F
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema, Status

from auric.accounts.auth import API_AUTH, require_permission
from auric.api import READ_ERRORS, WRITE_ERRORS, DecimalStr, Page, PageQuery, errors, page_of
from auric.catalog import vocab
from auric.catalog.api import (
    CertificateOut,
    FinenessOut,
    MediaOut,
    StoneOut,
    StyleSlug,
    certificate_out,
    fineness_out,
    live_style,
    media_out,
    stone_out,
)
from auric.catalog.models import MediaAsset, Piece, Style
from auric.core.errors import ValidationFailed
from auric.core.money import Money
from auric.pricing import selectors, services
from auric.pricing.models import MetalPrice, PriceChange

router = Router(tags=["pricing"])

CURRENCY_PATTERN = r"^[A-Z]{3}$"
# A positive amount with at most 2 decimals, as a string: "780.50". Zero is refused by the service.
PRICE_PATTERN = r"^[0-9]{1,8}(\.[0-9]{1,2})?$"


def _amount(money: Money | None) -> Any:
    return money.amount if money is not None else None


# --- metal prices -------------------------------------------------------------------------------


class MetalPriceOut(Schema):
    metal: str
    fineness: int
    mark: str = Field(..., description="GB 11887 mark: 足金, 18K, Pt950 …")
    on_date: date
    price_per_gram: DecimalStr
    currency: str
    source: str


def metal_price_out(row: MetalPrice) -> MetalPriceOut:
    mark = fineness_out(row.metal, row.fineness)
    return MetalPriceOut(
        metal=row.metal,
        fineness=row.fineness,
        mark=mark.mark if mark else "",
        on_date=row.on_date,
        price_per_gram=row.price_per_gram,
        currency=row.currency,
        source=row.source,
    )


class MetalPriceList(Page):
    items: list[MetalPriceOut]


class MetalPriceQuery(Schema):
    metal: vocab.Metal | None = None
    fineness: int | None = Field(None, ge=1, le=1000, description="‰, e.g. 990")
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)
    date_from: date | None = Field(None, description="Inclusive")
    date_to: date | None = Field(None, description="Inclusive")
    ordering: Literal["-on_date", "on_date"] = Field("-on_date", description="By day; then metal and fineness")


@router.get("/pricing/metal-prices", response={200: MetalPriceList, **READ_ERRORS}, summary="The metal price book")
def list_metal_prices(request: HttpRequest, query: Query[MetalPriceQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    if query.date_from and query.date_to and query.date_from > query.date_to:
        raise ValidationFailed("date_from is after date_to", errors={"date_from": ["Must not be after date_to"]})
    rows = MetalPrice.objects.filter(currency=query.currency)
    if query.metal:
        rows = rows.filter(metal=query.metal.value)
    if query.fineness is not None:
        rows = rows.filter(fineness=query.fineness)
    if query.date_from:
        rows = rows.filter(on_date__gte=query.date_from)
    if query.date_to:
        rows = rows.filter(on_date__lte=query.date_to)
    rows = rows.order_by(query.ordering, "metal", "fineness", "id")
    result = page_of(rows, paging)
    result["items"] = [metal_price_out(row) for row in result["items"]]
    return result


class TodayPriceOut(Schema):
    metal: str
    fineness: int
    mark: str
    name_zh: str
    price_per_gram: DecimalStr
    currency: str
    on_date: date = Field(..., description="The day the price was set")
    is_today: bool = Field(..., description="False when the latest price is from an earlier day")
    source: str


class TodayPrices(Schema):
    on_date: date
    items: list[TodayPriceOut]


@router.get(
    "/pricing/metal-prices/today", response={200: TodayPrices, **READ_ERRORS}, summary="Metal prices in force today"
)
def todays_metal_prices(request: HttpRequest, currency: str = Query("CNY", pattern=CURRENCY_PATTERN)) -> TodayPrices:
    from django.utils import timezone

    today = timezone.localdate()
    items = [
        TodayPriceOut(
            metal=p.mark.metal.value,
            fineness=p.mark.permille,
            mark=p.mark.mark,
            name_zh=p.mark.name_zh,
            price_per_gram=p.price_per_gram.amount,
            currency=p.price_per_gram.currency,
            on_date=p.on_date,
            is_today=p.is_today,
            source=p.source,
        )
        for p in selectors.today_prices(currency=currency, on_date=today)
    ]
    return TodayPrices(on_date=today, items=items)


class MetalPriceIn(Schema):
    metal: vocab.Metal
    fineness: int = Field(..., ge=1, le=1000, description="A GB 11887 fineness for the metal, in ‰")
    on_date: date = Field(..., description="Today or earlier; tomorrow at the latest")
    price_per_gram: str = Field(..., pattern=PRICE_PATTERN, examples=["780.50"], description="Decimal string, > 0")
    currency: str = Field("CNY", pattern=CURRENCY_PATTERN)


@router.post(
    "/pricing/metal-prices",
    auth=API_AUTH,
    response={201: MetalPriceOut, **WRITE_ERRORS},
    summary="Set a metal price for a day",
)
def set_metal_price(request: HttpRequest, payload: MetalPriceIn) -> Status[MetalPriceOut]:
    """Creates or replaces the day's price of a metal at a fineness. Needs `pricing.add_metalprice`.
    When the price is the one in force today, by-weight pieces of that fineness are repriced."""
    user = require_permission(request, "pricing.add_metalprice")
    row = services.set_metal_price(
        metal=payload.metal.value,
        fineness=payload.fineness,
        on_date=payload.on_date,
        price_per_gram=payload.price_per_gram,
        currency=payload.currency,
        source=MetalPrice.Source.API,
        actor=user,
    )
    return Status(201, metal_price_out(row))


# --- price-change log ---------------------------------------------------------------------------


class PriceChangeOut(Schema):
    at: datetime
    piece: str | None = Field(None, description="Serial number, for a change of one piece")
    old_amount: DecimalStr | None
    new_amount: DecimalStr | None
    currency: str
    reason: str
    note: str


class PriceChangeList(Page):
    items: list[PriceChangeOut]


@router.get(
    "/catalog/styles/{slug}/price-changes",
    response={200: PriceChangeList, 404: errors(404)[404], **READ_ERRORS},
    summary="The public price-change log of a style",
)
def list_price_changes(request: HttpRequest, paging: Query[PageQuery], slug: str = StyleSlug) -> dict[str, Any]:
    style = live_style(slug)
    rows = PriceChange.objects.filter(style=style).annotate(serial=F("piece__serial_number")).order_by("-at", "-id")
    result = page_of(rows, paging)
    result["items"] = [
        PriceChangeOut(
            at=c.at,
            piece=c.serial,
            old_amount=c.old_amount,
            new_amount=c.new_amount,
            currency=c.currency,
            reason=c.reason,
            note=c.note,
        )
        for c in result["items"]
    ]
    return result


# --- piece detail with its price ------------------------------------------------------------------


class PriceBreakdownOut(Schema):
    is_by_weight: bool
    currency: str
    weight_g: DecimalStr
    labour_basis: str
    metal_price_per_gram: DecimalStr | None
    metal_price_date: date | None
    metal_value: DecimalStr | None
    labour: DecimalStr | None
    base_price: DecimalStr
    list_price: DecimalStr | None = Field(None, description="Anchor price, only when above the final price")
    flash_price: DecimalStr | None
    flash_label: str
    flash_ends_at: datetime | None
    final_price: DecimalStr


def breakdown_out(b: services.PriceBreakdown) -> PriceBreakdownOut:
    return PriceBreakdownOut(
        is_by_weight=b.is_by_weight,
        currency=b.currency,
        weight_g=b.weight_g,
        labour_basis=b.labour_basis,
        metal_price_per_gram=_amount(b.metal_price_per_gram),
        metal_price_date=b.metal_price_date,
        metal_value=_amount(b.metal_value),
        labour=_amount(b.labour),
        base_price=b.base_price.amount,
        list_price=_amount(b.list_price),
        flash_price=_amount(b.flash_price),
        flash_label=b.flash_label,
        flash_ends_at=b.flash_ends_at,
        final_price=b.final_price.amount,
    )


class PieceDetail(Schema):
    serial_number: str
    style: str = Field(..., description="Style slug")
    style_title: str
    style_title_en: str
    sku: str
    size: str
    metal: str
    fineness: FinenessOut | None
    weight_g: DecimalStr
    measured_fineness: DecimalStr | None
    available: bool = Field(..., description="In stock and not held")
    price: DecimalStr | None = Field(None, description="Current selling price")
    price_breakdown: PriceBreakdownOut | None = Field(None, description="Null when no price can be worked out")
    price_unavailable: str | None = Field(None, description="Why there is no breakdown")
    stones: list[StoneOut]
    certificates: list[CertificateOut]
    media: list[MediaOut]


# A serial of digits alone reaches the piece-by-id route first (catalog), so this one takes the rest.
ROUTED_SERIAL_PATTERN = r"^[-A-Za-z0-9_.]*[-A-Za-z_.][-A-Za-z0-9_.]*$"


@router.get(
    "/catalog/pieces/{serial}",
    response={200: PieceDetail, 404: errors(404)[404], **READ_ERRORS},
    summary="One piece with its current price breakdown",
)
def get_piece(
    request: HttpRequest,
    serial: str = Path(
        ...,
        max_length=40,
        pattern=ROUTED_SERIAL_PATTERN,
        description="Serial number (one of digits only is routed to /catalog/pieces/{piece_id})",
    ),
) -> PieceDetail:
    piece = (
        Piece.objects.select_related("style", "variant")
        .prefetch_related("stones", "certificates")
        .annotate(stock_status=F("stock__status"))
        .filter(serial_number=serial, style__status=Style.Status.LIVE)
        .first()
    )
    if piece is None:
        raise Http404(f"No piece {serial!r}")
    breakdown: PriceBreakdownOut | None = None
    unavailable: str | None = None
    try:
        breakdown = breakdown_out(services.price_breakdown(piece=piece))
    except services.PriceUnavailable as exc:
        unavailable = exc.detail
    variant = piece.variant
    return PieceDetail(
        serial_number=piece.serial_number,
        style=piece.style.slug,
        style_title=piece.style.title,
        style_title_en=piece.style.title_en,
        sku=variant.sku,
        size=variant.size,
        metal=variant.metal,
        fineness=fineness_out(variant.metal, variant.fineness),
        weight_g=piece.weight_g,
        measured_fineness=piece.measured_fineness,
        available=piece.stock_status == "available",
        price=piece.price,
        price_breakdown=breakdown,
        price_unavailable=unavailable,
        stones=[stone_out(s) for s in piece.stones.all()],
        certificates=[certificate_out(c) for c in piece.certificates.all()],
        media=[media_out(m) for m in MediaAsset.objects.filter(piece=piece)],
    )
