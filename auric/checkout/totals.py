"""Order arithmetic as pure functions (no database), shared by the cart, checkout and tests.

Rules, stated once:
1. Line total = unit price × quantity. Unit prices are already final (a flash price is part of it)
   and rounded to the fen by pricing.
2. Subtotal = sum of line totals.
3. At most ONE coupon per order. It applies to the goods subtotal (flash prices included: a flash
   price and a coupon stack), never to shipping. Percentage: subtotal × percent / 100, rounded
   half-up to the fen, capped by `max_discount` when set. Fixed and 满减 (spend-X-save-Y): the
   amount, when the subtotal reaches `min_spend`. A discount never exceeds the subtotal.
4. The discount is spread over the lines in proportion to their totals (to the fen, largest
   remainder first) so partial refunds know each line's net value.
5. Shipping is worked out on the goods value after discount (see checkout.shipping).
6. Total = subtotal − discount + shipping; never negative; two decimals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")
ZERO = Decimal("0.00")


def round_fen(amount: Decimal) -> Decimal:
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class CouponTerms:
    kind: str  # percent | fixed | threshold
    percent_off: Decimal | None = None
    amount_off: Decimal | None = None
    min_spend: Decimal = ZERO
    max_discount: Decimal | None = None


def coupon_discount(subtotal: Decimal, terms: CouponTerms | None) -> Decimal:
    """The discount a coupon gives on a goods subtotal (0 when its threshold is not reached)."""
    if terms is None or subtotal < terms.min_spend:
        return ZERO
    if terms.kind == "percent":
        discount = round_fen(subtotal * (terms.percent_off or ZERO) / Decimal(100))
        if terms.max_discount is not None:
            discount = min(discount, terms.max_discount)
    else:
        discount = terms.amount_off or ZERO
    return round_fen(max(min(discount, subtotal), ZERO))


def spread(discount: Decimal, line_totals: Sequence[Decimal]) -> list[Decimal]:
    """Discount per line, proportional to line totals (largest remainder, in fen): the shares sum
    exactly to `discount` and no share exceeds its line."""
    total = sum(line_totals, ZERO)
    if not line_totals or total <= 0 or discount <= 0:
        return [ZERO for _ in line_totals]
    fen = int((min(discount, total) / FEN).to_integral_value())
    raw = [Decimal(fen) * line / total for line in line_totals]
    floors = [int(r) for r in raw]  # raw >= 0: int() floors
    leftover = fen - sum(floors)
    by_fraction = sorted(range(len(raw)), key=lambda i: (-(raw[i] - floors[i]), i))
    for i in by_fraction[:leftover]:
        floors[i] += 1
    return [Decimal(f) * FEN for f in floors]


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    total: Decimal
    line_discounts: tuple[Decimal, ...]


def order_totals(line_totals: Sequence[Decimal], discount: Decimal, shipping: Decimal) -> Totals:
    subtotal = round_fen(sum(line_totals, ZERO))
    discount = round_fen(max(min(discount, subtotal), ZERO))
    shipping = round_fen(max(shipping, ZERO))
    total = max(subtotal - discount + shipping, ZERO)
    return Totals(
        subtotal=subtotal,
        discount=discount,
        shipping=shipping,
        total=round_fen(total),
        line_discounts=tuple(spread(discount, [round_fen(x) for x in line_totals])),
    )
