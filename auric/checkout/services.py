"""Checkout use cases: the cart, price locks and coupons. Placing the order is
`auric.orders.services.place_order`, which uses the helpers at the end of this module.

Price lock (design): `start_checkout(cart=)` (POST /checkout/start) locks the current price of every
weight-priced piece in the cart for `AURIC_PRICE_LOCK_MINUTES` (15). `place_order` then charges the
locked price. A shopper who places an order without starting checkout gets an implicit lock at
that moment (the price is simply the current one). If a lock expired before the order is placed and
the current price differs, the order is NOT placed: the locks are renewed at the current price and
`PriceChanged` (409 `price_changed`, with old and new totals) asks the shopper to confirm by placing
again. Once placed, the order's price holds until `pay_by` (its reservation holds the piece too).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from auric.catalog.models import Piece, Style, Variant
from auric.checkout.models import Cart, CartLine, Coupon, CouponRedemption, PriceLock
from auric.checkout.totals import CouponTerms, coupon_discount
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.core.transactions import service_transaction
from auric.pricing.calculation import FlashTerms, PriceBreakdown, fixed_breakdown
from auric.pricing.models import FlashPrice
from auric.pricing.services import PriceUnavailable, price_breakdown

MAX_LINES = 50
MAX_QUANTITY = 99


class PriceChanged(Conflict):
    code = "price_changed"
    title = "The price changed since checkout started"


class CouponInvalid(ValidationFailed):
    code = "coupon_invalid"
    title = "This coupon cannot be used"


class CouponExhausted(Conflict):
    code = "coupon_exhausted"
    title = "This coupon has been used up"


class CustomisedNotConfirmed(ValidationFailed):
    code = "customised_not_confirmed"
    title = "Customised pieces cannot be returned without a defect: please confirm"


# --- the cart -----------------------------------------------------------------------------------
def new_cart_key() -> str:
    return secrets.token_urlsafe(24)


def get_cart(*, user: Any = None, session_key: str = "", create: bool = True) -> Cart | None:
    """The account's cart, or the guest cart of a session key (created on first use)."""
    if user is not None and getattr(user, "is_authenticated", False):
        cart = Cart.objects.filter(user=user).first()
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(user=user)
            except IntegrityError:
                cart = Cart.objects.get(user=user)
        return cart
    if not session_key:
        return None
    cart = Cart.objects.filter(session_key=session_key, user__isnull=True).first()
    if cart is None and create:
        try:
            with transaction.atomic():
                cart = Cart.objects.create(session_key=session_key)
        except IntegrityError:
            cart = Cart.objects.get(session_key=session_key)
    return cart


def _touch(cart: Cart) -> None:
    Cart.objects.filter(pk=cart.pk).update(updated_at=timezone.now())


def add_piece(*, cart: Cart, piece: Piece) -> CartLine:
    """A unique piece, once. A piece that is not available now is refused (409)."""
    if piece.style.status != Style.Status.LIVE:
        raise NotFound(f"No piece {piece.serial_number} for sale")
    status = getattr(getattr(piece, "stock", None), "status", None)
    if status != "available":
        raise Conflict(
            f"Piece {piece.serial_number} is not available ({status or 'not in stock'}).",
            piece_id=piece.pk,
            stock_status=status,
        )
    with transaction.atomic():
        line = CartLine.objects.filter(cart=cart, piece=piece).first()
        if line is None:
            if CartLine.objects.filter(cart=cart).count() >= MAX_LINES:
                raise ValidationFailed(errors={"cart": [f"At most {MAX_LINES} lines"]})
            try:
                with transaction.atomic():
                    line = CartLine.objects.create(cart=cart, piece=piece, variant_id=piece.variant_id, quantity=1)
            except IntegrityError:
                line = CartLine.objects.get(cart=cart, piece=piece)
        _touch(cart)
    return line


def add_variant(*, cart: Cart, variant: Variant, quantity: int) -> CartLine:
    """Quantity goods (non-serialized variants); adding again raises the quantity."""
    if variant.is_serialized:
        raise ValidationFailed(
            "This item is sold piece by piece: add a piece.", errors={"variant_id": ["Serialized: add a piece_id"]}
        )
    if variant.style.status != Style.Status.LIVE:
        raise NotFound(f"No item {variant.sku} for sale")
    if not 1 <= quantity <= MAX_QUANTITY:
        raise ValidationFailed(errors={"quantity": [f"1 to {MAX_QUANTITY}"]})
    with transaction.atomic():
        line = CartLine.objects.filter(cart=cart, variant=variant, piece__isnull=True).first()
        if line is None:
            line = CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)
        else:
            line.quantity = min(line.quantity + quantity, MAX_QUANTITY)
            line.save(update_fields=["quantity"])
        _touch(cart)
    return line


def remove_line(*, cart: Cart, line_id: int) -> None:
    with transaction.atomic():
        line = CartLine.objects.filter(cart=cart, pk=line_id).first()
        if line is None:
            raise NotFound("No such line in the cart")
        if line.piece_id:
            PriceLock.objects.filter(cart=cart, piece_id=line.piece_id).delete()
        line.delete()
        _touch(cart)


def clear_cart(*, cart: Cart) -> None:
    with service_transaction():
        PriceLock.objects.filter(cart=cart).delete()
        CartLine.objects.filter(cart=cart).delete()
        _touch(cart)


def merge_guest_cart(*, session_key: str, user: Any) -> Cart | None:
    """At login: the guest cart's lines join the account's cart (pieces once, quantities added)."""
    if not session_key:
        return None
    with transaction.atomic():
        guest = Cart.objects.select_for_update().filter(session_key=session_key, user__isnull=True).first()
        if guest is None:
            return get_cart(user=user, create=False)
        cart = get_cart(user=user)
        assert cart is not None
        have_pieces = set(CartLine.objects.filter(cart=cart, piece__isnull=False).values_list("piece_id", flat=True))
        have_variants = {line.variant_id: line for line in CartLine.objects.filter(cart=cart, piece__isnull=True)}
        for line in CartLine.objects.filter(cart=guest):
            if line.piece_id is not None:
                if line.piece_id not in have_pieces:
                    CartLine.objects.create(cart=cart, piece_id=line.piece_id, variant_id=line.variant_id)
            elif (mine := have_variants.get(line.variant_id)) is not None:
                CartLine.objects.filter(pk=mine.pk).update(quantity=min(mine.quantity + line.quantity, MAX_QUANTITY))
            else:
                CartLine.objects.create(cart=cart, variant_id=line.variant_id, quantity=line.quantity)
        guest.delete()
        _touch(cart)
    return cart


# --- prices -------------------------------------------------------------------------------------
def variant_breakdown(*, variant: Variant, at: datetime | None = None) -> PriceBreakdown:
    """Quantity goods are fixed-price (variant price, else style price), flash prices applied."""
    at = at or timezone.now()
    style = variant.style
    fixed = variant.fixed_price if variant.fixed_price is not None else style.fixed_price
    if fixed is None:
        raise PriceUnavailable(f"{variant.sku} has no price", variant_id=variant.pk)
    flashes = [
        FlashTerms(label=f.label, ends_at=f.ends_at, price=f.price, percent_off=f.percent_off, flash_id=f.pk)
        for f in FlashPrice.objects.filter(style_id=style.pk, starts_at__lte=at, ends_at__gt=at).order_by(
            "-starts_at", "-id"
        )
    ]
    return fixed_breakdown(
        weight_g=variant.unit_weight_g or Decimal(0),
        fixed_price=fixed,
        list_price=style.list_price,
        flashes=flashes,
        currency=style.currency,
    )


def breakdown_json(b: PriceBreakdown) -> dict[str, Any]:
    def amount(m: Any) -> str | None:
        return None if m is None else format(m.amount, "f")

    return {
        "is_by_weight": b.is_by_weight,
        "currency": b.currency,
        "weight_g": format(b.weight_g, "f"),
        "labour_basis": b.labour_basis,
        "metal_price_per_gram": amount(b.metal_price_per_gram),
        "metal_price_date": b.metal_price_date.isoformat() if b.metal_price_date else None,
        "metal_value": amount(b.metal_value),
        "labour": amount(b.labour),
        "base_price": amount(b.base_price),
        "list_price": amount(b.list_price),
        "flash_price": amount(b.flash_price),
        "flash_label": b.flash_label,
        "final_price": amount(b.final_price),
    }


def _lock_until(now: datetime) -> datetime:
    return now + timedelta(minutes=settings.AURIC_PRICE_LOCK_MINUTES)


def _cart_pieces(cart: Cart) -> list[Piece]:
    return [
        line.piece
        for line in CartLine.objects.filter(cart=cart, piece__isnull=False).select_related(
            "piece__style", "piece__variant"
        )
        if line.piece is not None
    ]


def start_checkout(*, cart: Cart, now: datetime | None = None) -> list[PriceLock]:
    """Lock the current price of every weight-priced piece in the cart (renewing older locks)."""
    now = now or timezone.now()
    with transaction.atomic():
        locks = []
        for piece in _cart_pieces(cart):
            if piece.style.pricing_mode != Style.PricingMode.BY_WEIGHT:
                continue
            b = price_breakdown(piece=piece, at=now)
            lock, _ = PriceLock.objects.update_or_create(
                cart=cart,
                piece=piece,
                defaults={
                    "price": b.final_price.amount,
                    "currency": b.currency,
                    "breakdown": breakdown_json(b),
                    "created_at": now,
                    "expires_at": _lock_until(now),
                },
            )
            locks.append(lock)
    return locks


@dataclass(frozen=True)
class PricedPiece:
    piece: Piece
    unit_price: Decimal
    breakdown: dict[str, Any]
    list_price: Decimal | None


def check_price_locks(*, cart: Cart, now: datetime | None = None) -> dict[int, PriceLock]:
    """Before placing: expired locks whose price moved are renewed at the current price (committed)
    and PriceChanged is raised with the old and new goods totals; the shopper confirms by placing
    again. Expired locks whose price did not move are simply renewed. Returns the locks still
    running, by piece id (see `price_piece`)."""
    now = now or timezone.now()
    live: dict[int, PriceLock] = {}
    expired = []
    for lock in PriceLock.objects.filter(cart=cart).select_related("piece__style", "piece__variant"):
        if lock.expires_at > now:
            live[lock.piece_id] = lock
        else:
            expired.append(lock)
    if not expired:
        return live
    old_total = new_total = Decimal("0.00")
    changed = []
    with transaction.atomic():
        for lock in expired:
            b = price_breakdown(piece=lock.piece, at=now)
            new_price = b.final_price.amount
            old_total += lock.price
            new_total += new_price
            if new_price != lock.price:
                changed.append(
                    {
                        "piece_id": lock.piece_id,
                        "serial": lock.piece.serial_number,
                        "old": str(lock.price),
                        "new": str(new_price),
                    }
                )
            lock.price, lock.breakdown, lock.created_at, lock.expires_at = (
                new_price,
                breakdown_json(b),
                now,
                _lock_until(now),
            )
            lock.save(update_fields=["price", "breakdown", "created_at", "expires_at"])
            live[lock.piece_id] = lock
    if changed:
        raise PriceChanged(
            "The price lock expired and the metal price moved. Review the new total and place the order again to "
            "confirm.",
            old_total=str(old_total),
            new_total=str(new_total),
            changes=changed,
        )
    return live


def price_piece(*, piece: Piece, now: datetime, lock: PriceLock | None) -> PricedPiece:
    """The price the order charges: a running price lock's (from `check_price_locks`), else the current price."""
    b = price_breakdown(piece=piece, at=now)
    if lock is not None and lock.expires_at > now:
        data = {**lock.breakdown, "locked_until": lock.expires_at.isoformat()}
        return PricedPiece(
            piece=piece, unit_price=lock.price, breakdown=data, list_price=b.list_price.amount if b.list_price else None
        )
    return PricedPiece(
        piece=piece,
        unit_price=b.final_price.amount,
        breakdown=breakdown_json(b),
        list_price=b.list_price.amount if b.list_price else None,
    )


# --- coupons ------------------------------------------------------------------------------------
def find_coupon(*, code: str, now: datetime | None = None, user: Any = None) -> Coupon:
    """An active coupon in its validity window; CouponInvalid otherwise. A coupon bound to one
    customer is unknown to everyone else (`user` is the shopper applying it)."""
    now = now or timezone.now()
    code = code.strip().upper()
    coupon = Coupon.objects.filter(code=code, is_active=True).first()
    if coupon is not None and coupon.bound_to_id is not None and getattr(user, "pk", None) != coupon.bound_to_id:
        coupon = None
    if coupon is None:
        raise CouponInvalid("No such coupon.", errors={"coupon": ["Unknown coupon"]})
    if coupon.starts_at and now < coupon.starts_at:
        raise CouponInvalid("This coupon is not valid yet.", errors={"coupon": ["Not valid yet"]})
    if coupon.ends_at and now >= coupon.ends_at:
        raise CouponInvalid("This coupon has expired.", errors={"coupon": ["Expired"]})
    if coupon.usage_limit is not None and coupon.used >= coupon.usage_limit:
        raise CouponExhausted(f"Coupon {code} has been used up.", coupon=code)
    return coupon


def coupon_terms(coupon: Coupon) -> CouponTerms:
    return CouponTerms(
        kind=coupon.kind,
        percent_off=coupon.percent_off,
        amount_off=coupon.amount_off,
        min_spend=coupon.min_spend,
        max_discount=coupon.max_discount,
    )


def discount_for(*, coupon: Coupon, subtotal: Decimal, currency: str) -> Decimal:
    if coupon.currency != currency:
        raise CouponInvalid(errors={"coupon": [f"Only for {coupon.currency} orders"]})
    if subtotal < coupon.min_spend:
        raise CouponInvalid(
            f"Spend at least {coupon.min_spend} to use this coupon.", errors={"coupon": [f"满 {coupon.min_spend} 可用"]}
        )
    return coupon_discount(subtotal, coupon_terms(coupon))


def redeem_coupon(*, coupon: Coupon, user: Any, order: Any, amount: Decimal) -> CouponRedemption:
    """Count one use, inside the order's transaction. Holds under concurrency: the total by a
    conditional UPDATE (used = used + 1 WHERE used < limit), the per-customer limit by a unique row."""
    if user is None:
        raise CouponInvalid(errors={"coupon": ["Sign in to use a coupon"]})
    if coupon.bound_to_id is not None and coupon.bound_to_id != user.pk:
        raise CouponInvalid("No such coupon.", errors={"coupon": ["Unknown coupon"]})
    limited = Q(usage_limit__isnull=True) | Q(used__lt=F("usage_limit"))
    if not Coupon.objects.filter(limited, pk=coupon.pk).update(used=F("used") + 1):
        raise CouponExhausted(f"Coupon {coupon.code} has been used up.", coupon=coupon.code)
    taken = set(CouponRedemption.objects.filter(coupon=coupon, user=user).values_list("seq", flat=True))
    seq = next((n for n in range(1, coupon.per_customer_limit + 1) if n not in taken), None)
    if seq is None:
        raise CouponExhausted(f"You have already used coupon {coupon.code}.", coupon=coupon.code)
    try:
        with transaction.atomic():
            return CouponRedemption.objects.create(coupon=coupon, user=user, seq=seq, order=order, amount=amount)
    except IntegrityError as exc:
        raise CouponExhausted(f"You have already used coupon {coupon.code}.", coupon=coupon.code) from exc


def give_back_coupon(*, order: Any) -> None:
    """An order cancelled before payment gives its coupon use back."""
    redemption = CouponRedemption.objects.filter(order=order).first()
    if redemption is None:
        return
    Coupon.objects.filter(pk=redemption.coupon_id, used__gt=0).update(used=F("used") - 1)
    redemption.delete()
