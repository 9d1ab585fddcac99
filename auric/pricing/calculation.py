"""The price of one piece as pure arithmetic: no database, so it is easy to test and to reuse in bulk.

Rounding rules (one place, stated once; docs/pricing.md repeats them):

1. Metal value = weight (g, 3 decimals) × metal price per gram, rounded half-up to the fen (0.01).
2. Labour = labour fee × weight rounded half-up to the fen (per-gram labour), or the labour fee
   itself (per-piece labour).
3. Base price = metal value + labour (both already in fen, so the sum is exact), or, for fixed-price
   goods, the fixed price (piece, else variant, else style).
4. A flash price replaces the base: a fixed flash price is clamped to [0, base]; a percentage off is
   applied to the already rounded base, base × (100 − percent) / 100, rounded half-up to the fen.
   A flash never raises a price and never makes it negative.
5. Final price = flash price if one is active, else base, rounded half-up to the fen.
6. The list (anchor) price is shown only when it is higher than the final price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from auric.core.money import Money

FEN = Decimal("0.01")
HUNDRED = Decimal(100)


def round_fen(amount: Decimal) -> Decimal:
    """Round half-up to 0.01."""
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FlashTerms:
    """What a flash price offers, detached from its row."""

    label: str
    ends_at: datetime | None
    price: Decimal | None = None
    percent_off: Decimal | None = None
    flash_id: int | None = None


@dataclass(frozen=True)
class PriceBreakdown:
    """How a piece's price is made up. By-weight fields are None for fixed-price goods."""

    is_by_weight: bool
    currency: str
    weight_g: Decimal
    labour_basis: str
    metal_price_per_gram: Money | None
    metal_price_date: date | None
    metal_value: Money | None
    labour: Money | None
    base_price: Money
    list_price: Money | None
    flash_price: Money | None
    flash_label: str
    flash_ends_at: datetime | None
    final_price: Money

    @property
    def has_flash(self) -> bool:
        return self.flash_price is not None

    @property
    def savings(self) -> Money | None:
        """How much below the anchor (list) price the shopper pays, when an anchor is shown."""
        if self.list_price is None:
            return None
        return self.list_price - self.final_price


def apply_flash(base: Decimal, flash: FlashTerms) -> Decimal:
    """The flash price for a rounded base: never below zero, never above the base."""
    if flash.percent_off is not None:
        discounted = round_fen(base * (HUNDRED - flash.percent_off) / HUNDRED)
    elif flash.price is not None:
        discounted = round_fen(flash.price)
    else:  # pragma: no cover - rows always carry one of the two (database constraint)
        return base
    return min(max(discounted, Decimal(0)), base)


def best_flash(base: Decimal, flashes: Iterable[FlashTerms]) -> tuple[FlashTerms, Decimal] | None:
    """Of several active flash prices the shopper gets the lowest; ties go to the first given."""
    best: tuple[FlashTerms, Decimal] | None = None
    for flash in flashes:
        price = apply_flash(base, flash)
        if best is None or price < best[1]:
            best = (flash, price)
    return best


def by_weight_breakdown(
    *,
    weight_g: Decimal,
    metal_price_per_gram: Decimal,
    metal_price_date: date | None,
    labour_fee: Decimal,
    labour_basis: str,
    list_price: Decimal | None,
    flashes: Iterable[FlashTerms] = (),
    currency: str = "CNY",
) -> PriceBreakdown:
    """Weight × metal price + labour (rules 1–6)."""
    metal_value = round_fen(weight_g * metal_price_per_gram)
    labour = round_fen(labour_fee * weight_g) if labour_basis == "per_gram" else round_fen(labour_fee)
    base = round_fen(metal_value + labour)
    return _finish(
        is_by_weight=True,
        currency=currency,
        weight_g=weight_g,
        labour_basis=labour_basis,
        metal_price_per_gram=Money(metal_price_per_gram, currency),
        metal_price_date=metal_price_date,
        metal_value=Money(metal_value, currency),
        labour=Money(labour, currency),
        base=base,
        list_price=list_price,
        flashes=flashes,
    )


def fixed_breakdown(
    *,
    weight_g: Decimal,
    fixed_price: Decimal,
    list_price: Decimal | None,
    flashes: Iterable[FlashTerms] = (),
    currency: str = "CNY",
) -> PriceBreakdown:
    """A fixed (一口价) price; the metal price plays no part (rules 3–6)."""
    return _finish(
        is_by_weight=False,
        currency=currency,
        weight_g=weight_g,
        labour_basis="",
        metal_price_per_gram=None,
        metal_price_date=None,
        metal_value=None,
        labour=None,
        base=round_fen(fixed_price),
        list_price=list_price,
        flashes=flashes,
    )


def _finish(
    *,
    is_by_weight: bool,
    currency: str,
    weight_g: Decimal,
    labour_basis: str,
    metal_price_per_gram: Money | None,
    metal_price_date: date | None,
    metal_value: Money | None,
    labour: Money | None,
    base: Decimal,
    list_price: Decimal | None,
    flashes: Iterable[FlashTerms],
) -> PriceBreakdown:
    chosen = best_flash(base, flashes)
    final = round_fen(chosen[1] if chosen else base)
    anchor = round_fen(list_price) if list_price is not None else None
    return PriceBreakdown(
        is_by_weight=is_by_weight,
        currency=currency,
        weight_g=weight_g,
        labour_basis=labour_basis,
        metal_price_per_gram=metal_price_per_gram,
        metal_price_date=metal_price_date,
        metal_value=metal_value,
        labour=labour,
        base_price=Money(base, currency),
        list_price=Money(anchor, currency) if anchor is not None and anchor > final else None,
        flash_price=Money(chosen[1], currency) if chosen else None,
        flash_label=chosen[0].label if chosen else "",
        flash_ends_at=chosen[0].ends_at if chosen else None,
        final_price=Money(final, currency),
    )
