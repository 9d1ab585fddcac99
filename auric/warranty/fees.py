"""The buyback and trade-in arithmetic, with no database: which fineness mark a measured piece is
priced at, the price per gram at that mark, the metal value, the fee and what the customer gets —
each step a line a customer can check on paper. Also the published default fee schedule.

Rules (docs/warranty.md repeats them):

1. A piece is priced at the highest GB 11887 mark of its metal that its *measured* fineness reaches
   (marks are minimums: 751.2‰ gold is priced as 750, 989.9‰ as 916). Below the lowest mark of the
   metal nothing is quoted.
2. The price per gram at that mark is the day's `MetalPrice` for (metal, mark) when one is in force;
   otherwise it is derived from the metal's highest mark that has a price, in proportion to the pure
   metal content: price(ref) × mark / ref, rounded half-up to the fen. (Per gram of pure metal that
   is price(ref) × 1000 / ref; the quote shows the per-mark figure it uses.)
3. Metal value = measured weight (g, 3 decimals) × price per gram, rounded half-up to the fen.
4. Fee = fee per gram × weight, or the percentage of the metal value, rounded half-up to the fen.
5. Amount = metal value − fee; a quote is only made when it is above zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from auric.catalog import vocab
from auric.pricing.calculation import round_fen

HUNDRED = Decimal(100)

# (kind, metal, fineness mark or None for every mark, basis, amount, note). A mark's line wins over
# its metal's. Trade-in is cheaper: the metal stays with us as part of a new sale.
DEFAULT_FEES: tuple[tuple[str, str, int | None, str, str, str], ...] = (
    ("buyback", "gold", None, "per_gram", "15.00", "足金 and 22K: refining and assay"),
    ("trade_in", "gold", None, "per_gram", "5.00", ""),
    ("buyback", "gold", 750, "percent", "8.00", "K gold: alloy separated at refining"),
    ("trade_in", "gold", 750, "percent", "4.00", ""),
    ("buyback", "gold", 585, "percent", "10.00", ""),
    ("trade_in", "gold", 585, "percent", "5.00", ""),
    ("buyback", "gold", 375, "percent", "12.00", ""),
    ("trade_in", "gold", 375, "percent", "6.00", ""),
    ("buyback", "platinum", None, "per_gram", "25.00", ""),
    ("trade_in", "platinum", None, "per_gram", "10.00", ""),
    ("buyback", "palladium", None, "per_gram", "25.00", ""),
    ("trade_in", "palladium", None, "per_gram", "10.00", ""),
    ("buyback", "silver", None, "percent", "20.00", ""),
    ("trade_in", "silver", None, "percent", "10.00", ""),
)


def seed_default_fees(model: Any) -> int:
    """Write the default schedule lines that are missing (safe to call again). Returns how many."""
    added = 0
    for kind, metal, fineness, basis, amount, note in DEFAULT_FEES:
        _, created = model.objects.get_or_create(
            kind=kind,
            metal=metal,
            fineness=fineness,
            currency="CNY",
            defaults={"basis": basis, "amount": Decimal(amount), "note": note},
        )
        added += int(created)
    return added


def mark_for(metal: str, measured_permille: Decimal) -> int | None:
    """The highest GB 11887 mark of the metal the measurement reaches (rule 1), or None."""
    reached = [m.permille for m in vocab.fineness_choices(metal) if Decimal(m.permille) <= measured_permille]
    return max(reached) if reached else None


@dataclass(frozen=True)
class PriceAtMark:
    per_gram: Decimal
    on_date: date
    source_mark: int  # the mark whose price was used (== mark unless derived)
    source_per_gram: Decimal


@dataclass(frozen=True)
class Fee:
    basis: str  # per_gram | percent
    rate: Decimal


@dataclass(frozen=True)
class Valuation:
    metal: str
    weight_g: Decimal
    fineness_permille: Decimal
    mark: int
    price: PriceAtMark
    metal_value: Decimal
    fee: Decimal
    amount: Decimal
    currency: str
    lines: list[dict[str, str]] = field(default_factory=list)


def price_at_mark(mark: int, prices: dict[int, tuple[Decimal, date]]) -> PriceAtMark | None:
    """Rule 2, from {mark: (price per gram, date)} of one metal and currency in force today."""
    if mark in prices:
        per_gram, on = prices[mark]
        return PriceAtMark(per_gram=per_gram, on_date=on, source_mark=mark, source_per_gram=per_gram)
    if not prices:
        return None
    reference = max(prices)
    per_gram, on = prices[reference]
    return PriceAtMark(
        per_gram=round_fen(per_gram * mark / reference), on_date=on, source_mark=reference, source_per_gram=per_gram
    )


def _fen(amount: Decimal) -> str:
    return format(amount, ",.2f")


def value(
    *,
    metal: str,
    weight_g: Decimal,
    fineness_permille: Decimal,
    mark: int,
    price: PriceAtMark,
    fee: Fee,
    currency: str,
) -> Valuation:
    """Rules 3–5, with the lines that show the arithmetic."""
    metal_value = round_fen(weight_g * price.per_gram)
    if fee.basis == "percent":
        fee_amount = round_fen(metal_value * fee.rate / HUNDRED)
        fee_line = f"{_fen(metal_value)} × {fee.rate}% = {_fen(fee_amount)}"
    else:
        fee_amount = round_fen(weight_g * fee.rate)
        fee_line = f"{weight_g} g × {fee.rate} {currency}/g = {_fen(fee_amount)}"
    lines = [
        {
            "label": "measured",
            "text": f"{metal} {weight_g} g at {fineness_permille}‰ (dual-verified) → priced at the {mark}‰ mark",
        },
        {
            "label": "price",
            "text": f"{metal} {price.source_mark}‰ on {price.on_date.isoformat()}: {price.source_per_gram} {currency}/g",
        },
    ]
    if price.source_mark != mark:
        lines.append(
            {
                "label": "price_at_mark",
                "text": f"{price.source_per_gram} × {mark} / {price.source_mark} = {price.per_gram} {currency}/g",
            }
        )
    amount = metal_value - fee_amount
    lines += [
        {"label": "metal_value", "text": f"{weight_g} g × {price.per_gram} {currency}/g = {_fen(metal_value)}"},
        {"label": "fee", "text": fee_line},
        {"label": "amount", "text": f"{_fen(metal_value)} − {_fen(fee_amount)} = {_fen(amount)} {currency}"},
    ]
    return Valuation(
        metal=metal,
        weight_g=weight_g,
        fineness_permille=fineness_permille,
        mark=mark,
        price=price,
        metal_value=metal_value,
        fee=fee_amount,
        amount=amount,
        currency=currency,
        lines=lines,
    )
