"""Read side of checkout: the cart as the shopper sees it, in a fixed number of queries (3)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F, Sum
from django.utils import timezone

from auric.checkout.models import Cart, CartLine, PriceLock
from auric.inventory.models import StockLevel

AVAILABLE = "available"


@dataclass(frozen=True)
class CartLineView:
    line: CartLine
    kind: str  # piece | variant
    title: str
    style_slug: str
    unit_price: Decimal | None
    line_total: Decimal | None
    currency: str
    available: bool
    status: str  # available | reserved | sold | in_transit | quarantined | not_in_stock | insufficient | no_price
    problem: str  # a human explanation when not available, else ""
    is_customised: bool
    price_locked_until: datetime | None


@dataclass(frozen=True)
class CartSummary:
    cart: Cart
    lines: list[CartLineView]
    subtotal: Decimal
    currency: str
    has_problems: bool

    @property
    def count(self) -> int:
        return sum(v.line.quantity for v in self.lines)


_PROBLEMS = {
    "reserved": "Someone is checking out this piece right now",
    "sold": "This piece has been sold",
    "in_transit": "This piece is being moved between stores",
    "quarantined": "This piece is not for sale at the moment",
    "not_in_stock": "This piece is not in stock",
}


def cart_summary(cart: Cart, *, now: datetime | None = None) -> CartSummary:
    """Every line with its live availability and price. A piece sold or reserved meanwhile stays in
    the cart, flagged. Queries: lines (+ piece, style, stock, variant), stock levels, price locks."""
    now = now or timezone.now()
    lines = list(
        CartLine.objects.filter(cart=cart)
        .select_related("piece__style", "piece__stock", "variant__style")
        .order_by("added_at", "id")
    )
    variant_ids = [ln.variant_id for ln in lines if ln.piece_id is None]
    free: dict[int, int] = defaultdict(int)
    if variant_ids:
        rows = (
            StockLevel.objects.filter(variant_id__in=variant_ids, location__sells_online=True, location__is_active=True)
            .values("variant_id")
            .annotate(free=Sum(F("on_hand") - F("reserved")))
        )
        for row in rows:
            free[row["variant_id"]] = int(row["free"] or 0)
    piece_ids = [ln.piece_id for ln in lines if ln.piece_id is not None]
    locks = (
        {lk.piece_id: lk for lk in PriceLock.objects.filter(cart=cart, piece_id__in=piece_ids, expires_at__gt=now)}
        if piece_ids
        else {}
    )
    views: list[CartLineView] = []
    currency = "CNY"
    for ln in lines:
        if ln.piece is not None:
            piece, style = ln.piece, ln.piece.style
            stock = getattr(piece, "stock", None)
            status = stock.status if stock is not None else "not_in_stock"
            lock = locks.get(piece.pk)
            unit = lock.price if lock is not None else piece.price
            if unit is None and status == AVAILABLE:
                status = "no_price"
            views.append(
                CartLineView(
                    line=ln,
                    kind="piece",
                    title=style.title,
                    style_slug=style.slug,
                    unit_price=unit,
                    line_total=unit,
                    currency=style.currency,
                    available=status == AVAILABLE,
                    status=status,
                    problem=_PROBLEMS.get(status, "No price can be worked out now" if status == "no_price" else ""),
                    is_customised=style.is_customised,
                    price_locked_until=lock.expires_at if lock is not None else None,
                )
            )
        else:
            variant, style = ln.variant, ln.variant.style
            unit = variant.fixed_price if variant.fixed_price is not None else style.fixed_price
            enough = free[variant.pk] >= ln.quantity
            status = AVAILABLE if enough and unit is not None else ("no_price" if unit is None else "insufficient")
            views.append(
                CartLineView(
                    line=ln,
                    kind="variant",
                    title=f"{style.title} {variant.size}".strip(),
                    style_slug=style.slug,
                    unit_price=unit,
                    line_total=unit * ln.quantity if unit is not None else None,
                    currency=style.currency,
                    available=status == AVAILABLE,
                    status=status,
                    problem=""
                    if status == AVAILABLE
                    else (f"Only {free[variant.pk]} left" if status == "insufficient" else "No price now"),
                    is_customised=style.is_customised,
                    price_locked_until=None,
                )
            )
        currency = views[-1].currency
    subtotal = sum((v.line_total for v in views if v.available and v.line_total is not None), Decimal("0.00"))
    return CartSummary(
        cart=cart, lines=views, subtotal=subtotal, currency=currency, has_problems=any(not v.available for v in views)
    )
