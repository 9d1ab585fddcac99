"""The shopper's orders: list by tab (待付款, 待发货, 待收货, 待评价, 售后), detail, cancel.

Owner only: somebody else's order answers 404, exactly like a number that does not exist.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, DecimalStr, Page, PageQuery, errors, page_of, text
from auric.core.errors import NotFound
from auric.orders import services
from auric.orders.models import Order, OrderDiscount, OrderLine, OrderTransition
from auric.orders.states import TABS, State


def _auth(request: HttpRequest) -> Any:
    """The user the API auth put on the request."""
    return getattr(request, "auth", None)


router = Router(tags=["orders"])
NUMBER_PATTERN = r"^AU[0-9A-Z]{6,18}$"


def tab_of(state: str) -> str | None:
    return next((name for name, (_, states) in TABS.items() if state in states), None)


class OrderLineOut(Schema):
    id: int
    piece_id: int | None
    serial: str
    variant_id: int
    title: str
    quantity: int
    unit_price: DecimalStr
    list_price: DecimalStr | None = Field(None, description="Anchor, shown struck through")
    discount: DecimalStr = Field(..., description="This line's share of the order discount")
    line_total: DecimalStr
    refunded_amount: DecimalStr
    is_customised: bool
    return_policy: str = Field(..., description="7-day no-reason return, or customised: not returnable (R1)")
    ready_in_days: int | None = Field(None, description="Pickup: days until the piece reaches the store by transfer")
    breakdown: dict[str, Any]


class DiscountOut(Schema):
    code: str
    label: str
    amount: DecimalStr


class TransitionOut(Schema):
    from_state: str
    to_state: str
    at: datetime
    note: str


class StoreOut(Schema):
    id: int
    name: str
    name_en: str
    address: str


class OrderDetail(Schema):
    number: str
    state: str
    state_label: str
    tab: str | None
    currency: str
    subtotal: DecimalStr
    discount_total: DecimalStr
    shipping_total: DecimalStr
    insured_shipping: bool
    insured_value: DecimalStr | None = Field(None, description="The goods value the carrier insures")
    total: DecimalStr = Field(..., description="到手价: subtotal − discounts + shipping")
    refunded_total: DecimalStr
    delivery_method: str
    pickup_store: StoreOut | None
    pickup_code: str = Field("", description="Shown once the order is paid")
    recipient: str = Field("", description="Masked name of who receives the parcel")
    address: str = Field("", description="Masked")
    phone: str = Field("", description="Masked")
    invoice: dict[str, Any]
    customised_confirmed: bool
    placed_at: datetime
    pay_by: datetime
    paid_at: datetime | None
    lines: list[OrderLineOut]
    discounts: list[DiscountOut]
    timeline: list[TransitionOut]


def order_detail(order: Order) -> OrderDetail:
    lines = list(order.lines.all())  # prefetched with their reservations
    pickup = order.pickup_location
    transfer_days = settings.AURIC_PICKUP_TRANSFER_DAYS
    return OrderDetail(
        number=order.number,
        state=order.state,
        state_label=State(order.state).label,
        tab=tab_of(order.state),
        currency=order.currency,
        subtotal=order.subtotal,
        discount_total=order.discount_total,
        shipping_total=order.shipping_total,
        insured_shipping=order.is_insured,
        insured_value=order.insured_value,
        total=order.total,
        refunded_total=order.refunded_total,
        delivery_method=order.delivery_method,
        pickup_store=StoreOut(id=pickup.pk, name=pickup.name, name_en=pickup.name_en, address=pickup.address)
        if pickup
        else None,
        pickup_code=order.pickup_code if order.state in services.PAID_STATES else "",
        recipient=order.recipient_masked,
        address=order.address_masked,
        phone=order.phone_masked,
        invoice={k: v for k, v in order.invoice.items() if k != "tax_id_token"},
        customised_confirmed=order.customised_confirmed,
        placed_at=order.placed_at,
        pay_by=order.pay_by,
        paid_at=order.paid_at,
        lines=[
            OrderLineOut(
                id=line.pk,
                piece_id=line.piece_id,
                serial=line.serial_number,
                variant_id=line.variant_id,
                title=line.title,
                quantity=line.quantity,
                unit_price=line.unit_price,
                list_price=line.list_price,
                discount=line.discount,
                line_total=line.line_total,
                refunded_amount=line.refunded_amount,
                is_customised=line.is_customised,
                return_policy="customised: not returnable unless defective"
                if line.is_customised
                else "7-day no-reason return",
                ready_in_days=(
                    (0 if line.reservation.location_id == pickup.pk else transfer_days)
                    if pickup is not None and line.reservation is not None
                    else None
                ),
                breakdown=line.breakdown,
            )
            for line in lines
        ],
        discounts=[DiscountOut(code=d.code, label=d.label, amount=d.amount) for d in order.discounts.all()],
        timeline=[
            TransitionOut(from_state=t.from_state, to_state=t.to_state, at=t.at, note=t.note)
            for t in order.transitions.all()
        ],
    )


class OrderCard(Schema):
    number: str
    state: str
    state_label: str
    tab: str | None
    total: DecimalStr
    currency: str
    placed_at: datetime
    pay_by: datetime
    items: int
    first_title: str


class OrderList(Page):
    items: list[OrderCard]


class OrderQuery(Schema):
    tab: Literal["to_pay", "to_ship", "to_receive", "to_review", "after_sales"] | None = Field(
        None, description="待付款 to_pay, 待发货 to_ship, 待收货 to_receive, 待评价 to_review, 售后 after_sales"
    )


def _card(order: Order) -> OrderCard:
    lines = list(order.lines.all())
    return OrderCard(
        number=order.number,
        state=order.state,
        state_label=State(order.state).label,
        tab=tab_of(order.state),
        total=order.total,
        currency=order.currency,
        placed_at=order.placed_at,
        pay_by=order.pay_by,
        items=sum(line.quantity for line in lines),
        first_title=lines[0].title if lines else "",
    )


def own_orders(user: Any) -> QuerySet[Order]:
    return Order.objects.filter(user=user)


def own_order(user: Any, number: str) -> Order:
    order = (
        own_orders(user)
        .select_related("pickup_location")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.select_related("reservation")),
            Prefetch("discounts", queryset=OrderDiscount.objects.order_by("id")),
            Prefetch("transitions", queryset=OrderTransition.objects.order_by("at", "id")),
        )
        .filter(number=number)
        .first()
    )
    if order is None:
        raise NotFound(f"No order {number}")
    return order


@router.get("/orders", response={200: OrderList, **READ_ERRORS, **errors(401)}, auth=API_AUTH, summary="My orders")
def list_orders(request: HttpRequest, query: Query[OrderQuery], paging: Query[PageQuery]) -> dict[str, Any]:
    orders = own_orders(_auth(request)).prefetch_related(Prefetch("lines", queryset=OrderLine.objects.order_by("id")))
    if query.tab:
        orders = orders.filter(state__in=TABS[query.tab][1])
    page = page_of(orders.order_by("-placed_at", "-id"), paging)
    page["items"] = [_card(o) for o in page["items"]]
    return page


@router.get(
    "/orders/{number}",
    response={200: OrderDetail, **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="One of my orders",
)
def get_order(request: HttpRequest, number: str) -> OrderDetail:
    return order_detail(own_order(_auth(request), number))


class CancelIn(Schema):
    reason: str = text(200)


@router.post(
    "/orders/{number}/cancel",
    response={200: OrderDetail, 201: OrderDetail, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Cancel my unpaid order (200)",
)
def cancel(request: HttpRequest, number: str, payload: CancelIn | None = None) -> OrderDetail:
    order = own_order(_auth(request), number)
    if order.state != State.PENDING_PAYMENT:
        raise services.IllegalTransition(f"Only an unpaid order can be cancelled here; this one is {order.state}.")
    services.cancel_order(order=order, actor=_auth(request), reason=(payload.reason if payload else "") or "by shopper")
    return order_detail(own_order(_auth(request), number))


# --- returns (R1, R2): the owner asks to send lines back; see auric/orders/returns.py -------------


class ReturnLineIn(Schema):
    line_id: int = Field(..., ge=1, le=2**63 - 1)
    reason: Literal["no_reason", "defective", "wrong_size", "not_as_described", "other"] = Field(
        ..., description="Customised lines (R1) can only be returned as defective"
    )


class ReturnIn(Schema):
    lines: list[ReturnLineIn] = Field(..., min_length=1, max_length=100)


class ReturnLineOut(Schema):
    line_id: int
    title: str
    reason: str
    quantity: int
    amount: DecimalStr


class ReturnOut(Schema):
    id: int
    state: str
    state_label: str
    currency: str
    amount: DecimalStr = Field(..., description="What the returned lines were paid; refunded when received")
    inspection: str
    note: str
    requested_at: datetime
    refunded_at: datetime | None
    return_window_ends_at: datetime | None
    lines: list[ReturnLineOut]


def return_out(request_: Any, order: Order) -> ReturnOut:
    return ReturnOut(
        id=request_.pk,
        state=request_.state,
        state_label=request_.get_state_display(),
        currency=request_.currency,
        amount=request_.amount,
        inspection=request_.inspection,
        note=request_.note,
        requested_at=request_.requested_at,
        refunded_at=request_.refunded_at,
        return_window_ends_at=order.return_window_ends_at,
        lines=[
            ReturnLineOut(
                line_id=rl.order_line_id,
                title=rl.order_line.title,
                reason=rl.reason,
                quantity=rl.quantity,
                amount=rl.amount,
            )
            for rl in request_.lines.all()
        ],
    )


def _returns_of(order: Order) -> list[Any]:
    from auric.orders.models import ReturnLine, ReturnRequest

    return list(
        ReturnRequest.objects.filter(order=order)
        .prefetch_related(Prefetch("lines", queryset=ReturnLine.objects.select_related("order_line").order_by("id")))
        .order_by("-requested_at", "-id")
    )


@router.post(
    "/orders/{number}/returns",
    response={201: ReturnOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Return lines of my delivered order (201; 409 outside the window; 422 customised without defect)",
)
def request_return(request: HttpRequest, number: str, payload: ReturnIn) -> Any:
    from ninja import Status

    from auric.orders import returns

    order = own_order(_auth(request), number)
    created = returns.request_return(
        order=order, lines=[(line.line_id, line.reason) for line in payload.lines], actor=_auth(request)
    )
    order.refresh_from_db()
    fresh = next(r for r in _returns_of(order) if r.pk == created.pk)
    return Status(201, return_out(fresh, order))


@router.get(
    "/orders/{number}/returns",
    response={200: list[ReturnOut], **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="The returns of my order",
)
def list_returns(request: HttpRequest, number: str) -> list[ReturnOut]:
    order = own_order(_auth(request), number)
    return [return_out(r, order) for r in _returns_of(order)]
