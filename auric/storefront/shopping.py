"""Read side of the shopper's cart, checkout and order pages.

Composes the checkout and orders apps' reads and pure rules (cart summary, coupon discount, shipping
quote, totals); it decides nothing itself and writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet

from auric.checkout import services as checkout
from auric.checkout.events import SESSION_CART_KEY
from auric.checkout.models import Cart
from auric.checkout.selectors import CartSummary, cart_summary
from auric.checkout.shipping import shipping_quote
from auric.checkout.totals import order_totals
from auric.core.errors import DomainError
from auric.inventory.models import Location, PieceStock
from auric.orders.models import Order, OrderDiscount, OrderTransition
from auric.orders.states import TABS

__all__ = ["SESSION_CART_KEY", "CartSummary", "cart_summary"]


def shopper_cart(request: Any, *, create: bool = False) -> Cart | None:
    """The account's cart, else the guest cart kept by a random key in the session."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return checkout.get_cart(user=user, create=create)
    key = request.session.get(SESSION_CART_KEY)
    if not key:
        if not create:
            return None
        key = checkout.new_cart_key()
        request.session[SESSION_CART_KEY] = key
    return checkout.get_cart(session_key=key, create=create)


@dataclass(frozen=True)
class PickupStore:
    location: Location
    pieces_here: int
    pieces_total: int
    ready_in_days: int  # 0 when every piece is already in this store


def pickup_stores(summary: CartSummary) -> list[PickupStore]:
    """Active stores, those holding the most of the cart's pieces first; the others receive them by
    transfer in AURIC_PICKUP_TRANSFER_DAYS days."""
    piece_ids = [v.line.piece_id for v in summary.lines if v.line.piece_id]
    held: dict[int, int] = {}
    if piece_ids:
        rows = PieceStock.objects.filter(piece_id__in=piece_ids).values("location_id").annotate(n=Count("piece_id"))
        held = {row["location_id"]: row["n"] for row in rows}
    stores = Location.objects.filter(kind=Location.Kind.STORE, is_active=True).order_by("city", "code")
    result = [
        PickupStore(
            location=store,
            pieces_here=held.get(store.pk, 0),
            pieces_total=len(piece_ids),
            ready_in_days=0 if held.get(store.pk, 0) == len(piece_ids) else settings.AURIC_PICKUP_TRANSFER_DAYS,
        )
        for store in stores
    ]
    return sorted(result, key=lambda s: (s.ready_in_days, -s.pieces_here))


@dataclass(frozen=True)
class Review:
    """What the shopper will pay, before placing: list prices, discounts, shipping, 到手价."""

    list_total: Decimal  # sum of list (anchor) prices, or selling prices where there is none
    subtotal: Decimal
    flash_savings: Decimal
    coupon_label: str
    coupon_discount: Decimal
    coupon_error: str
    shipping: Decimal
    insured: bool
    total: Decimal
    currency: str


def review(summary: CartSummary, *, method: str, coupon_code: str = "") -> Review:
    available = [v for v in summary.lines if v.available and v.line_total is not None]
    line_totals = [v.line_total for v in available if v.line_total is not None]
    subtotal = sum(line_totals, Decimal("0.00"))
    list_total = Decimal("0.00")
    for v in available:
        anchor = v.line.piece.style.list_price if v.line.piece is not None else v.line.variant.style.list_price
        unit = v.unit_price or Decimal(0)
        list_total += max(anchor or unit, unit) * v.line.quantity
    discount = Decimal("0.00")
    label = error = ""
    if coupon_code.strip():
        try:
            coupon = checkout.find_coupon(code=coupon_code, user=summary.cart.user)
            discount = checkout.discount_for(coupon=coupon, subtotal=subtotal, currency=summary.currency)
            label = coupon.label or coupon.code
        except DomainError as exc:
            error = exc.detail
    quote = shipping_quote(method=method or "ship", goods_value=subtotal - discount)
    totals = order_totals(line_totals, discount, quote.fee)
    return Review(
        list_total=list_total,
        subtotal=totals.subtotal,
        flash_savings=list_total - subtotal,
        coupon_label=label,
        coupon_discount=totals.discount,
        coupon_error=error,
        shipping=totals.shipping,
        insured=quote.insured,
        total=totals.total,
        currency=summary.currency,
    )


# --- account orders -------------------------------------------------------------------------------
def orders_for(user: Any, *, tab: str = "") -> QuerySet[Order]:
    orders = Order.objects.filter(user=user).prefetch_related("lines")
    if tab in TABS:
        orders = orders.filter(state__in=TABS[tab][1])
    return orders.order_by("-placed_at", "-id")


def order_for(user: Any, number: str) -> Order | None:
    """The shopper's own order (another shopper's is None: the page answers 404)."""
    return (
        Order.objects.filter(user=user, number=number[:20])
        .select_related("pickup_location")
        .prefetch_related(
            "lines",
            Prefetch("discounts", queryset=OrderDiscount.objects.order_by("id")),
            Prefetch("transitions", queryset=OrderTransition.objects.order_by("at", "id")),
        )
        .first()
    )
