"""Cart and checkout API. Thin: the services do the work.

Who is shopping: a bearer token's user, else the logged-in session's user, else a guest cart kept by
a random key in the session. Writes by a logged-in browser session need the CSRF token; placing an
order needs an account (bearer token or session) and honours `Idempotency-Key`.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.utils import check_csrf

from auric.accounts.auth import API_AUTH
from auric.accounts.services import authenticate_api_token
from auric.api import READ_ERRORS, WRITE_ERRORS, DecimalStr, errors, text
from auric.catalog.models import Piece, Variant
from auric.checkout import services
from auric.checkout.events import SESSION_CART_KEY
from auric.checkout.models import Cart
from auric.checkout.selectors import CartSummary, cart_summary
from auric.checkout.shipping import DeliveryChoice
from auric.core.errors import NotFound
from auric.core.idempotency import idempotent_call
from auric.orders.api import OrderDetail, order_detail
from auric.orders.services import place_order


def _auth(request: HttpRequest) -> Any:
    """The user the API auth put on the request."""
    return getattr(request, "auth", None)


router = Router(tags=["checkout"])


# --- who is shopping ------------------------------------------------------------------------------
def shopper(request: HttpRequest, *, write: bool = False) -> Any:
    """The user behind a bearer token or the session; None for a guest. A bad token is 401."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = authenticate_api_token(header[7:].strip())
        if user is None:
            raise AuthenticationError()
        return user
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        if write and check_csrf(request):
            raise HttpError(403, "CSRF check failed: send the csrftoken cookie value in X-CSRFToken")
        return user
    return None


def current_cart(request: HttpRequest, *, write: bool = False) -> Cart | None:
    user = shopper(request, write=write)
    if user is not None:
        return services.get_cart(user=user, create=write)
    session = getattr(request, "session", None)
    if session is None:
        return None
    key = session.get(SESSION_CART_KEY)
    if not key:
        if not write:
            return None
        key = services.new_cart_key()
        session[SESSION_CART_KEY] = key
    return services.get_cart(session_key=key, create=write)


# --- shapes ---------------------------------------------------------------------------------------
class CartLineOut(Schema):
    id: int
    kind: Literal["piece", "variant"]
    piece_id: int | None
    serial: str | None
    variant_id: int
    sku: str
    style: str = Field(..., description="Style slug")
    title: str
    quantity: int
    unit_price: DecimalStr | None = Field(..., description="Live price (a price lock's while it holds)")
    line_total: DecimalStr | None
    currency: str
    available: bool
    status: str = Field(..., description="available, reserved, sold, insufficient, ... (flagged, never dropped)")
    problem: str
    is_customised: bool
    price_locked_until: datetime | None


class CartOut(Schema):
    id: int | None
    lines: list[CartLineOut]
    count: int
    subtotal: DecimalStr = Field(..., description="Available lines only")
    currency: str
    has_problems: bool


def cart_out(summary: CartSummary | None) -> CartOut:
    if summary is None:
        return CartOut(id=None, lines=[], count=0, subtotal=Decimal("0.00"), currency="CNY", has_problems=False)
    return CartOut(
        id=summary.cart.pk,
        lines=[
            CartLineOut(
                id=v.line.pk,
                kind=v.kind,  # type: ignore[arg-type]
                piece_id=v.line.piece_id,
                serial=v.line.piece.serial_number if v.line.piece else None,
                variant_id=v.line.variant_id,
                sku=v.line.variant.sku,
                style=v.style_slug,
                title=v.title,
                quantity=v.line.quantity,
                unit_price=v.unit_price,
                line_total=v.line_total,
                currency=v.currency,
                available=v.available,
                status=v.status,
                problem=v.problem,
                is_customised=v.is_customised,
                price_locked_until=v.price_locked_until,
            )
            for v in summary.lines
        ],
        count=summary.count,
        subtotal=summary.subtotal,
        currency=summary.currency,
        has_problems=summary.has_problems,
    )


class CartItemIn(Schema):
    piece_id: int | None = Field(None, ge=1, description="A unique piece")
    variant_id: int | None = Field(None, ge=1, description="Quantity goods (non-serialized variant)")
    quantity: int = Field(1, ge=1, le=services.MAX_QUANTITY)


# --- cart -----------------------------------------------------------------------------------------
@router.get("/cart", response={200: CartOut, **READ_ERRORS, **errors(401)}, summary="The cart")
def get_cart(request: HttpRequest) -> CartOut:
    cart = current_cart(request)
    return cart_out(cart_summary(cart) if cart else None)


@router.delete("/cart", response={200: CartOut, **WRITE_ERRORS}, summary="Empty the cart")
def empty_cart(request: HttpRequest) -> CartOut:
    cart = current_cart(request, write=True)
    if cart is not None:
        services.clear_cart(cart=cart)
    return cart_out(cart_summary(cart) if cart else None)


@router.post("/cart/items", response={201: CartOut, **WRITE_ERRORS, **errors(404)}, summary="Add to the cart")
def add_item(request: HttpRequest, payload: CartItemIn) -> Status:
    if (payload.piece_id is None) == (payload.variant_id is None):
        from auric.core.errors import ValidationFailed

        raise ValidationFailed(errors={"piece_id": ["Send either piece_id or variant_id"]})
    cart = current_cart(request, write=True)
    if cart is None:
        raise HttpError(400, "No session: send cookies or a bearer token")
    if payload.piece_id is not None:
        piece = Piece.objects.select_related("style", "stock").filter(pk=payload.piece_id).first()
        if piece is None:
            raise NotFound(f"No piece {payload.piece_id}")
        services.add_piece(cart=cart, piece=piece)
    else:
        variant = Variant.objects.select_related("style").filter(pk=payload.variant_id or 0).first()
        if variant is None:
            raise NotFound(f"No variant {payload.variant_id}")
        services.add_variant(cart=cart, variant=variant, quantity=payload.quantity)
    return Status(201, cart_out(cart_summary(cart)))


@router.delete("/cart/items/{line_id}", response={200: CartOut, **WRITE_ERRORS, **errors(404)}, summary="Remove a line")
def remove_item(request: HttpRequest, line_id: int) -> CartOut:
    shopper(request, write=True)  # a session write needs its CSRF token
    cart = current_cart(request)  # an existing cart only: a refused removal must not create one
    if cart is None:
        raise NotFound("No such line in the cart")
    services.remove_line(cart=cart, line_id=line_id)
    return cart_out(cart_summary(cart))


# --- checkout -------------------------------------------------------------------------------------
class AddressIn(Schema):
    name: str = text(120)
    phone: str = text(30)
    country: str = text(2, default="CN", description="ISO 3166 code; CN addresses need region/city/district/street")
    region: str = text(120, description="Province / state")
    city: str = text(120)
    district: str = text(120)
    street: str = text(120)
    detail: str = text(120, description="Building, floor, room")
    postcode: str = text(12, description="Optional")


class DeliveryIn(Schema):
    method: Literal["ship", "pickup"]
    address: AddressIn | None = None
    store_id: int | None = Field(None, ge=1, description="Pickup: the store (a Location of kind store)")
    phone: str = text(30, description="Pickup: a contact phone (optional)")


class InvoiceIn(Schema):
    kind: Literal["personal", "company"]
    title: str = text(200)
    tax_id: str = text(20, description="Company: 统一社会信用代码")
    address: str = text(200)
    phone: str = text(30)
    bank: str = text(200)
    account: str = text(40)
    email: str = text(200)


class CheckoutIn(Schema):
    delivery: DeliveryIn
    coupon: str = text(40)
    invoice: InvoiceIn | None = None
    customised_confirmed: bool = Field(False, description="Required when a customised piece is in the cart (R1)")


class PriceLockOut(Schema):
    piece_id: int
    price: DecimalStr
    currency: str
    expires_at: datetime


def delivery_choice(delivery: DeliveryIn) -> DeliveryChoice:
    if delivery.method == "ship":
        if delivery.address is None:
            from auric.core.errors import ValidationFailed

            raise ValidationFailed(errors={"delivery.address": ["Required to ship"]})
        return DeliveryChoice.ship(delivery.address.dict())
    if delivery.store_id is None:
        from auric.core.errors import ValidationFailed

        raise ValidationFailed(errors={"delivery.store_id": ["Required for pickup"]})
    return DeliveryChoice.pickup(delivery.store_id, contact_phone=delivery.phone)


@router.post(
    "/checkout/start",
    response={201: list[PriceLockOut], **WRITE_ERRORS},
    auth=API_AUTH,
    summary="Start checkout: lock the prices of weight-priced pieces",
)
def start_checkout(request: HttpRequest) -> Status:
    """Weight-priced pieces keep today's price for AURIC_PRICE_LOCK_MINUTES (15)."""
    cart = services.get_cart(user=_auth(request))
    assert cart is not None
    locks = services.start_checkout(cart=cart)
    return Status(
        201,
        [
            PriceLockOut(piece_id=lk.piece_id, price=lk.price, currency=lk.currency, expires_at=lk.expires_at)
            for lk in locks
        ],
    )


@router.post(
    "/checkout",
    response={201: OrderDetail, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Place the order (honours Idempotency-Key)",
)
def place(request: HttpRequest, payload: CheckoutIn) -> Any:
    """→ 201 the order in pending_payment. 409 `piece_unavailable` when a piece was reserved or sold
    meanwhile (nothing is kept), 409 `price_changed` when a price lock expired and the price moved
    (place again to confirm), 409 `coupon_exhausted`, 422 `customised_not_confirmed`."""

    user = _auth(request)
    cart = services.get_cart(user=user)
    assert cart is not None
    delivery = delivery_choice(payload.delivery)
    # Outside the idempotent transaction so that renewed locks are kept when the price moved.
    price_locks = services.check_price_locks(cart=cart)

    def call() -> tuple[int, Any]:
        order = place_order(
            cart=cart,
            user=user,
            delivery=delivery,
            coupon_code=payload.coupon,
            invoice=payload.invoice.dict() if payload.invoice else None,
            customised_confirmed=payload.customised_confirmed,
            actor=user,
            price_locks=price_locks,
        )
        return 201, order_detail(order)

    result = idempotent_call(request, operation="checkout.place_order", body=payload.dict(), call=call)
    return Status(*result) if isinstance(result, tuple) else result
