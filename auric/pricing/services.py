"""Pricing use cases: the daily metal price book, piece prices, style prices and flash prices.

Gold and other metal goods are priced by weight: weight × the metal price for the piece's fineness on
or before the day + labour (工费, per gram or per piece). Fixed-price goods take the piece's fixed
price, else the variant's, else the style's. A flash price lowers the price for a window of time.
`Piece.price` is the current selling price (flash included); it is kept here by `reprice()`, which
also writes the public price-change log and publishes `pricing.PricesChanged`.

Rounding rules (see `auric.pricing.calculation` and docs/pricing.md): metal value and labour are each
rounded half-up to the fen (0.01 CNY); the base price is their sum; a percentage off is applied to
the rounded base and rounded half-up to the fen; a flash price never goes below zero or above the
base; the final price is rounded half-up to the fen.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from auric.catalog import vocab
from auric.catalog.models import Piece, Style, Variant
from auric.core import events
from auric.core.audit import record_change, snapshot
from auric.core.errors import Conflict, ValidationFailed
from auric.core.money import KNOWN_CURRENCIES
from auric.pricing.calculation import FlashTerms, PriceBreakdown, by_weight_breakdown, fixed_breakdown
from auric.pricing.models import FlashPrice, MetalPrice, PriceChange

__all__ = [
    "FixedPriceMissing",
    "InvalidInput",
    "MetalPriceMissing",
    "PriceBreakdown",
    "PriceUnavailable",
    "create_flash_price",
    "end_flash_price",
    "metal_price_on",
    "price_breakdown",
    "price_pieces",
    "reprice",
    "reprice_flash_windows",
    "set_metal_price",
    "set_style_prices",
]

logger = logging.getLogger(__name__)

# Sanity limits: a price per gram at or above this is a typo (gold is a few hundred CNY a gram).
MAX_PRICE_PER_GRAM: Final = Decimal("100000")
# Amounts on a style (labour fee, fixed and list price) must stay below this.
MAX_AMOUNT: Final = Decimal("100000000")
# Metal prices may be entered for tomorrow at the latest (an evening announcement), never later.
MAX_DAYS_AHEAD: Final = 1
EARLIEST_PRICE_DATE: Final = date(2000, 1, 1)
REPRICE_BATCH: Final = 300  # pieces per SELECT + bulk UPDATE; small enough for SQLite's parameter limit
STYLE_CHUNK: Final = 500  # styles per reference-price query
METAL_PRICE_FIELDS: Final = ("metal", "fineness", "on_date", "price_per_gram", "currency", "source")
STYLE_PRICE_FIELDS: Final = ("labour_fee", "labour_basis", "fixed_price", "list_price")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_FEN = Decimal("0.01")


class PriceUnavailable(Conflict):
    code = "price_unavailable"
    title = "The price cannot be worked out"


class MetalPriceMissing(PriceUnavailable):
    """A by-weight piece has no metal price on or before the day (or no metal/fineness at all)."""

    code = "metal_price_missing"
    title = "No metal price for this piece's fineness"


class FixedPriceMissing(PriceUnavailable):
    code = "fixed_price_missing"
    title = "No fixed price is set for this piece"


class InvalidInput(ValueError):
    """One bad value: the field it belongs to and why."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


# --- Validation shared by the services and the CSV import ---------------------------------------
def clean_amount(value: object, *, field: str, ceiling: Decimal, allow_zero: bool = False, places: int = 2) -> Decimal:
    """A positive (or non-negative) Decimal with at most `places` decimals, below `ceiling`."""
    if isinstance(value, bool | float):
        raise InvalidInput(field, "Must be a decimal number (a Decimal or a string), not a float")
    if isinstance(value, str):
        text = value.strip()
        if not _PLAIN_NUMBER.fullmatch(text):
            raise InvalidInput(field, f"“{value}” is not a plain decimal number like 780.50")
        value = text
    if not isinstance(value, Decimal | int | str):
        raise InvalidInput(field, "Must be a decimal number")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise InvalidInput(field, f"“{value}” is not a number") from None
    if not amount.is_finite():
        raise InvalidInput(field, "Must be a finite number")
    if allow_zero and amount < 0:
        raise InvalidInput(field, "Must not be negative")
    if not allow_zero and amount <= 0:
        raise InvalidInput(field, "Must be greater than 0")
    step = Decimal(1).scaleb(-places)
    if amount != amount.quantize(step):
        raise InvalidInput(field, f"At most {places} decimal places")
    if amount >= ceiling:
        raise InvalidInput(field, f"Must be below {ceiling} (sanity limit)")
    return amount.quantize(step)


def clean_price_per_gram(value: object) -> Decimal:
    return clean_amount(value, field="price_per_gram", ceiling=MAX_PRICE_PER_GRAM)


def clean_mark(metal: object, fineness: object) -> vocab.FinenessMark:
    """A GB 11887 mark (e.g. gold 990 = 足金); a mark's name (足金, Pt950) is accepted as fineness."""
    if isinstance(fineness, str):
        text = fineness.strip()
        if text.isdigit():
            fineness = int(text)
        else:
            if text in vocab.ABOLISHED_LABELS:
                raise InvalidInput("fineness", f"“{text}” was abolished by GB 11887")
            by_label = {m.mark: m for m in vocab.fineness_choices() if str(m.metal) == str(metal)}
            if text not in by_label:
                raise InvalidInput("fineness", f"“{text}” is not a GB 11887 mark for {metal}")
            fineness = by_label[text].permille
    if isinstance(fineness, bool) or not isinstance(fineness, int):
        raise InvalidInput("fineness", "Fineness must be a whole number of ‰ (e.g. 990)")
    try:
        return vocab.fineness_mark(str(metal), fineness)
    except vocab.VocabularyError as exc:
        raise InvalidInput(exc.field, exc.message) from None


def clean_currency(value: object) -> str:
    if not isinstance(value, str) or value.strip().upper() not in KNOWN_CURRENCIES:
        raise InvalidInput("currency", f"“{value}” is not an ISO 4217 currency code")
    return value.strip().upper()


def clean_price_date(value: object, *, today: date | None = None) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput("on_date", "Must be a date")
    latest = (today or timezone.localdate()) + timedelta(days=MAX_DAYS_AHEAD)
    if value < EARLIEST_PRICE_DATE or value > latest:
        raise InvalidInput("on_date", f"Must be between {EARLIEST_PRICE_DATE} and {latest}")
    return value


def _raise_if(errors: Mapping[str, list[str]]) -> None:
    if errors:
        detail = "; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items())
        raise ValidationFailed(detail, errors=errors)


# --- Metal prices -------------------------------------------------------------------------------
def set_metal_price(
    *,
    metal: str,
    fineness: int,
    on_date: date,
    price_per_gram: Decimal | str | int,
    currency: str = "CNY",
    source: str = MetalPrice.Source.OPERATOR,
    actor: Any = None,
) -> MetalPrice:
    """Record the price of a metal at a fineness for a day; one row per day (setting again updates it).

    When the row is the price in force today (on_date is today, or the latest day on or before today)
    every by-weight piece of that metal and fineness is repriced in the same transaction.
    """
    errors: dict[str, list[str]] = defaultdict(list)
    cleaned: dict[str, Any] = {}
    for key, clean in (
        ("mark", lambda: clean_mark(metal, fineness)),
        ("price_per_gram", lambda: clean_price_per_gram(price_per_gram)),
        ("currency", lambda: clean_currency(currency)),
        ("on_date", lambda: clean_price_date(on_date)),
    ):
        try:
            cleaned[key] = clean()
        except InvalidInput as exc:
            errors[exc.field].append(exc.message)
    if source not in MetalPrice.Source.values:
        errors["source"].append(f"Must be one of {', '.join(MetalPrice.Source.values)}")
    _raise_if(errors)
    mark: vocab.FinenessMark = cleaned["mark"]
    with transaction.atomic():
        row, changed = upsert_metal_price(
            metal=mark.metal.value,
            fineness=mark.permille,
            on_date=cleaned["on_date"],
            price_per_gram=cleaned["price_per_gram"],
            currency=cleaned["currency"],
            source=source,
            actor=actor,
        )
        if changed:
            events.publish(
                "pricing.MetalPriceSet",
                {
                    "metal": row.metal,
                    "fineness": row.fineness,
                    "on_date": row.on_date.isoformat(),
                    "price_per_gram": str(row.price_per_gram),
                    "currency": row.currency,
                },
                aggregate=f"pricing.metal:{row.metal}-{row.fineness}",
            )
        if changed and _is_in_force_today(row):
            reprice(
                metal=row.metal,
                fineness=row.fineness,
                currency=row.currency,
                reason=PriceChange.Reason.METAL_PRICE,
                note=f"{mark.mark} {row.price_per_gram}/g",
            )
    return row


def upsert_metal_price(
    *,
    metal: str,
    fineness: int,
    on_date: date,
    price_per_gram: Decimal,
    currency: str,
    source: str,
    actor: Any,
    audit_reason: str = "",
) -> tuple[MetalPrice, bool]:
    """Create or update the day's row with an audit entry; (row, whether the price changed)."""
    key = {"metal": metal, "fineness": fineness, "on_date": on_date, "currency": currency}
    entered_by = actor if getattr(actor, "is_authenticated", False) else None
    row = MetalPrice.objects.select_for_update().filter(**key).first()
    if row is None:
        try:
            with transaction.atomic():
                row = MetalPrice.objects.create(
                    **key, price_per_gram=price_per_gram, source=source, entered_by=entered_by
                )
        except IntegrityError:
            # Someone created the same day's row at the same moment: update theirs instead.
            row = MetalPrice.objects.select_for_update().get(**key)
        else:
            record_change(
                actor=actor,
                action="pricing.set_metal_price",
                obj=row,
                before=None,
                after=snapshot(row, METAL_PRICE_FIELDS),
                reason=audit_reason,
            )
            return row, True
    before = snapshot(row, METAL_PRICE_FIELDS)
    changed = row.price_per_gram != price_per_gram
    row.price_per_gram = price_per_gram
    row.source = source
    row.entered_by = entered_by or row.entered_by
    row.save(update_fields=["price_per_gram", "source", "entered_by"])
    record_change(
        actor=actor,
        action="pricing.set_metal_price",
        obj=row,
        before=before,
        after=snapshot(row, METAL_PRICE_FIELDS),
        reason=audit_reason,
    )
    return row, changed


def _is_in_force_today(row: MetalPrice) -> bool:
    today = timezone.localdate()
    if row.on_date > today:
        return False
    return not MetalPrice.objects.filter(
        metal=row.metal, fineness=row.fineness, currency=row.currency, on_date__gt=row.on_date, on_date__lte=today
    ).exists()


def metal_price_on(*, metal: str, fineness: int, on_date: date, currency: str = "CNY") -> MetalPrice | None:
    """The latest price of a metal at a fineness on or before a day, or None."""
    return (
        MetalPrice.objects.filter(metal=metal, fineness=fineness, currency=currency, on_date__lte=on_date)
        .order_by("-on_date")
        .first()
    )


def latest_metal_prices(*, on_date: date) -> dict[tuple[str, int, str], MetalPrice]:
    """The price in force on a day for every (metal, fineness, currency): two queries in all."""
    latest = (
        MetalPrice.objects.filter(on_date__lte=on_date)
        .values("metal", "fineness", "currency")
        .annotate(day=Max("on_date"))
        .order_by()
    )
    wanted = Q()
    for item in latest:
        wanted |= Q(metal=item["metal"], fineness=item["fineness"], currency=item["currency"], on_date=item["day"])
    if not wanted:
        return {}
    return {(row.metal, row.fineness, row.currency): row for row in MetalPrice.objects.filter(wanted)}


# --- Piece prices -------------------------------------------------------------------------------
def _flash_terms(flash: FlashPrice) -> FlashTerms:
    return FlashTerms(
        label=flash.label, ends_at=flash.ends_at, price=flash.price, percent_off=flash.percent_off, flash_id=flash.pk
    )


def _active_flashes(style_ids: Iterable[int], at: datetime) -> dict[int, list[FlashTerms]]:
    by_style: dict[int, list[FlashTerms]] = defaultdict(list)
    rows = FlashPrice.objects.filter(style_id__in=list(style_ids), starts_at__lte=at, ends_at__gt=at).order_by(
        "-starts_at", "-id"
    )
    for flash in rows:
        by_style[flash.style_id].append(_flash_terms(flash))
    return by_style


def _breakdown(
    *, piece: Piece, style: Style, variant: Variant, metal_price: MetalPrice | None, flashes: list[FlashTerms]
) -> PriceBreakdown:
    if style.pricing_mode == Style.PricingMode.BY_WEIGHT:
        if not variant.metal or variant.fineness is None:
            raise MetalPriceMissing(f"Variant {variant.sku} of a by-weight style has no metal and fineness")
        if metal_price is None:
            raise MetalPriceMissing(
                f"No {variant.metal} {variant.fineness}‰ price in {style.currency} on or before the day",
                metal=variant.metal,
                fineness=variant.fineness,
            )
        return by_weight_breakdown(
            weight_g=piece.weight_g,
            metal_price_per_gram=metal_price.price_per_gram,
            metal_price_date=metal_price.on_date,
            labour_fee=style.labour_fee,
            labour_basis=style.labour_basis,
            list_price=style.list_price,
            flashes=flashes,
            currency=style.currency,
        )
    fixed = next((p for p in (piece.fixed_price, variant.fixed_price, style.fixed_price) if p is not None), None)
    if fixed is None:
        raise FixedPriceMissing(f"Piece {piece.serial_number} has no fixed price (piece, variant or style)")
    return fixed_breakdown(
        weight_g=piece.weight_g,
        fixed_price=fixed,
        list_price=style.list_price,
        flashes=flashes,
        currency=style.currency,
    )


def price_breakdown(*, piece: Piece, at: datetime | None = None) -> PriceBreakdown:
    """How a piece's price is made up at a moment (default now). Raises `PriceUnavailable`."""
    at = at or timezone.now()
    style, variant = piece.style, piece.variant
    metal_price = None
    if style.pricing_mode == Style.PricingMode.BY_WEIGHT and variant.metal and variant.fineness is not None:
        metal_price = metal_price_on(
            metal=variant.metal, fineness=variant.fineness, on_date=timezone.localdate(at), currency=style.currency
        )
    return _breakdown(
        piece=piece,
        style=style,
        variant=variant,
        metal_price=metal_price,
        flashes=_active_flashes([style.pk], at).get(style.pk, []),
    )


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def reference_prices(*, style_ids: Iterable[int]) -> dict[int, tuple[Decimal | None, str]]:
    """Per style: the lowest piece price, else the style's fixed price (fixed styles), and currency."""
    result: dict[int, tuple[Decimal | None, str]] = {}
    for chunk in _chunks(sorted(set(style_ids)), STYLE_CHUNK):
        rows = (
            Style.objects.filter(pk__in=chunk)
            .annotate(lowest=Min("pieces__price"))
            .values_list("pk", "lowest", "pricing_mode", "fixed_price", "currency")
        )
        for pk, lowest, mode, fixed, currency in rows:
            ref = lowest if lowest is not None else (fixed if mode == Style.PricingMode.FIXED else None)
            result[pk] = (ref, currency)
    return result


def reprice(
    *,
    style_ids: Iterable[int] | None = None,
    metal: str | None = None,
    fineness: int | None = None,
    reason: str,
    at: datetime | None = None,
    currency: str | None = None,
    by_weight_only: bool = False,
    note: str = "",
) -> int:
    """Bring `Piece.price` up to date for the matching pieces; returns how many prices changed.

    Matching: the given styles, and/or by-weight pieces of a metal (and fineness); nothing given means
    every piece (`by_weight_only` limits it to by-weight styles). Works in batches of
    `REPRICE_BATCH` pieces with a fixed number of queries per batch. Pieces whose price cannot be
    worked out (no metal price yet) keep their price and are logged. Writes one `PriceChange` per
    style whose reference price changed and publishes `pricing.PricesChanged`.
    """
    if reason not in PriceChange.Reason.values:
        raise ValidationFailed(errors={"reason": [f"Must be one of {', '.join(PriceChange.Reason.values)}"]})
    match = Q()
    if style_ids is not None:
        match &= Q(style_id__in=list(style_ids))
    if metal:
        match &= Q(variant__metal=metal)
        by_weight_only = True
    if fineness is not None:
        match &= Q(variant__fineness=fineness)
    if currency:
        match &= Q(style__currency=currency)
    if by_weight_only:
        match &= Q(style__pricing_mode=Style.PricingMode.BY_WEIGHT)
    with transaction.atomic():
        return _reprice(match=match, reason=reason, at=at or timezone.now(), note=note)


def price_pieces(*, piece_ids: Iterable[int], at: datetime | None = None) -> int:
    """Price newly registered pieces (idempotent: pricing a piece twice changes nothing).

    A new piece is not a price change: the public log is left alone, even when a lighter piece
    lowers the style's "from" price.
    """
    ids = list(piece_ids)
    with transaction.atomic():
        return _reprice(
            match=Q(pk__in=ids), reason=PriceChange.Reason.METAL_PRICE, at=at or timezone.now(), log_changes=False
        )


def _reprice(
    *,
    match: Q,
    reason: str,
    at: datetime,
    note: str = "",
    old_refs: Mapping[int, tuple[Decimal | None, str]] | None = None,
    extra_style_ids: Iterable[int] = (),
    log_changes: bool = True,
) -> int:
    style_ids = set(Piece.objects.filter(match).values_list("style_id", flat=True).distinct()) | set(extra_style_ids)
    if not style_ids:
        return 0
    before = {**reference_prices(style_ids=style_ids), **(old_refs or {})}
    prices = latest_metal_prices(on_date=timezone.localdate(at))
    changed_styles: set[int] = set()
    changed = skipped = 0
    last_pk = 0
    while True:
        batch = list(
            Piece.objects.filter(match, pk__gt=last_pk)
            .select_related("style", "variant")
            .order_by("pk")[:REPRICE_BATCH]
        )
        if not batch:
            break
        last_pk = batch[-1].pk
        flashes = _active_flashes({p.style_id for p in batch}, at)
        updates = []
        for piece in batch:
            style, variant = piece.style, piece.variant
            metal_price = prices.get((variant.metal, variant.fineness or 0, style.currency))
            try:
                breakdown = _breakdown(
                    piece=piece,
                    style=style,
                    variant=variant,
                    metal_price=metal_price,
                    flashes=flashes.get(style.pk, []),
                )
            except PriceUnavailable as exc:
                skipped += 1
                logger.warning("Piece %s not repriced: %s", piece.serial_number, exc.detail)
                continue
            if piece.price != breakdown.final_price.amount:
                piece.price = breakdown.final_price.amount
                updates.append(piece)
                changed_styles.add(piece.style_id)
        if updates:
            Piece.objects.bulk_update(updates, ["price"], batch_size=REPRICE_BATCH)
            changed += len(updates)
        if len(batch) < REPRICE_BATCH:
            break
    after = reference_prices(style_ids=style_ids)
    log = [
        PriceChange(
            style_id=style_id,
            at=at,
            old_amount=before.get(style_id, (None, currency))[0],
            new_amount=new_ref,
            currency=currency,
            reason=reason,
            note=note[:200],
        )
        for style_id, (new_ref, currency) in sorted(after.items())
        if log_changes and before.get(style_id, (None, currency))[0] != new_ref
    ]
    if log:
        PriceChange.objects.bulk_create(log)
    touched = sorted(changed_styles | {entry.style_id for entry in log})
    if touched:
        events.publish("pricing.PricesChanged", {"style_ids": touched, "reason": reason}, aggregate="pricing.reprice")
    if skipped:
        logger.warning("Reprice (%s): %d pieces kept their price because it cannot be worked out", reason, skipped)
    return changed


# --- Style prices and flash prices --------------------------------------------------------------
def set_style_prices(
    *,
    style: Style,
    labour_fee: Decimal | _Unset = UNSET,
    labour_basis: str | _Unset = UNSET,
    fixed_price: Decimal | _Unset | None = UNSET,
    list_price: Decimal | _Unset | None = UNSET,
    actor: Any,
    reason: str = "",
) -> Style:
    """Change a style's labour fee, fixed price or list (anchor) price; audited and repriced."""
    errors: dict[str, list[str]] = defaultdict(list)
    changes: dict[str, Any] = {}
    if not isinstance(labour_fee, _Unset):
        try:
            changes["labour_fee"] = clean_amount(labour_fee, field="labour_fee", ceiling=MAX_AMOUNT, allow_zero=True)
        except InvalidInput as exc:
            errors[exc.field].append(exc.message)
    if not isinstance(labour_basis, _Unset):
        if labour_basis in Style.LabourBasis.values:
            changes["labour_basis"] = labour_basis
        else:
            errors["labour_basis"].append(f"Must be one of {', '.join(Style.LabourBasis.values)}")
    for field, value in (("fixed_price", fixed_price), ("list_price", list_price)):
        if isinstance(value, _Unset):
            continue
        if value is None:
            changes[field] = None
            continue
        try:
            changes[field] = clean_amount(value, field=field, ceiling=MAX_AMOUNT)
        except InvalidInput as exc:
            errors[exc.field].append(exc.message)
    _raise_if(errors)
    with transaction.atomic():
        locked = Style.objects.select_for_update().get(pk=style.pk)
        before = snapshot(locked, STYLE_PRICE_FIELDS)
        old_refs = reference_prices(style_ids=[locked.pk])
        for field, value in changes.items():
            setattr(locked, field, value)
            setattr(style, field, value)
        locked.save(update_fields=[*changes, "updated_at"])
        after = snapshot(locked, STYLE_PRICE_FIELDS)
        record_change(
            actor=actor, action="pricing.set_style_prices", obj=locked, before=before, after=after, reason=reason
        )
        if before["fixed_price"] != after["fixed_price"]:
            log_reason = PriceChange.Reason.FIXED_PRICE
        elif (before["labour_fee"], before["labour_basis"]) != (after["labour_fee"], after["labour_basis"]):
            log_reason = PriceChange.Reason.LABOUR_FEE
        else:
            log_reason = PriceChange.Reason.LIST_PRICE
        _reprice(
            match=Q(style_id=locked.pk),
            reason=log_reason,
            at=timezone.now(),
            note=reason,
            old_refs=old_refs,
            extra_style_ids=[locked.pk],
        )
    return locked


def create_flash_price(
    *,
    style: Style,
    starts_at: datetime,
    ends_at: datetime,
    price: Decimal | None = None,
    percent_off: Decimal | None = None,
    label: str = "",
    actor: Any = None,
) -> FlashPrice:
    """A time-limited price for a style: a fixed price or a percentage off (exactly one)."""
    errors: dict[str, list[str]] = defaultdict(list)
    if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
        errors["starts_at"].append("Start and end must be date-times")
    elif ends_at <= starts_at:
        errors["ends_at"].append("Must be after the start")
    if (price is None) == (percent_off is None):
        errors["price"].append("Give exactly one of a flash price or a percentage off")
    if price is not None:
        try:
            price = clean_amount(price, field="price", ceiling=MAX_AMOUNT, allow_zero=True)
        except InvalidInput as exc:
            errors[exc.field].append(exc.message)
    if percent_off is not None:
        try:
            percent_off = clean_amount(percent_off, field="percent_off", ceiling=Decimal(100))
        except InvalidInput as exc:
            errors[exc.field].append(exc.message)
    if len(label) > FlashPrice._meta.get_field("label").max_length:  # type: ignore[operator]
        errors["label"].append("Too long")
    _raise_if(errors)
    with transaction.atomic():
        flash = FlashPrice.objects.create(
            style=style, label=label, price=price, percent_off=percent_off, starts_at=starts_at, ends_at=ends_at
        )
        record_change(
            actor=actor,
            action="pricing.create_flash_price",
            obj=flash,
            before=None,
            after=snapshot(flash, ("style", "label", "price", "percent_off", "starts_at", "ends_at")),
        )
        now = timezone.now()
        if starts_at <= now < ends_at:
            _reprice(match=Q(style_id=style.pk), reason=PriceChange.Reason.FLASH_START, at=now, note=label)
    return flash


def end_flash_price(*, flash: FlashPrice, actor: Any = None, reason: str = "") -> None:
    """Stop a flash price now (a flash that has not started yet is withdrawn) and reprice its style."""
    with transaction.atomic():
        locked = FlashPrice.objects.select_for_update().get(pk=flash.pk)
        before = snapshot(locked, ("style", "label", "price", "percent_off", "starts_at", "ends_at"))
        now = timezone.now()
        if locked.ends_at <= now:
            return
        if locked.starts_at >= now:
            record_change(actor=actor, action="pricing.withdraw_flash_price", obj=locked, before=before, after=None)
            locked.delete()
            return
        locked.ends_at = now
        locked.save(update_fields=["ends_at"])
        record_change(
            actor=actor,
            action="pricing.end_flash_price",
            obj=locked,
            before=before,
            after={**before, "ends_at": str(now)},
            reason=reason,
        )
        _reprice(match=Q(style_id=locked.style_id), reason=PriceChange.Reason.FLASH_END, at=now, note=locked.label)


def reprice_flash_windows(*, since: datetime, until: datetime | None = None) -> int:
    """Reprice styles whose flash prices started or ended in (since, until]; for a scheduled job."""
    until = until or timezone.now()
    window = {"since": since, "until": until}
    started = FlashPrice.objects.filter(starts_at__gt=window["since"], starts_at__lte=window["until"])
    ended = FlashPrice.objects.filter(ends_at__gt=window["since"], ends_at__lte=window["until"])
    changed = 0
    with transaction.atomic():
        for rows, reason in ((ended, PriceChange.Reason.FLASH_END), (started, PriceChange.Reason.FLASH_START)):
            ids = set(rows.values_list("style_id", flat=True))
            if ids:
                changed += _reprice(match=Q(style_id__in=ids), reason=reason, at=until)
    return changed
