"""Sales, returns and complaints written as rows (factories, not the checkout), for the figures that
scorecards and the monthly elimination read."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from decimal import Decimal

from auric.catalog.models import Piece, Variant
from auric.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from auric.orders.states import State
from auric.quality.models import Complaint

_numbers = itertools.count(1)


def sell(variant: Variant, *, paid_at: datetime, quantity: int = 1, piece: Piece | None = None) -> OrderLine:
    price = Decimal("1000.00")
    order = Order.objects.create(
        number=f"T{next(_numbers):09d}",
        state=State.DELIVERED,
        subtotal=price * quantity,
        total=price * quantity,
        delivery_method=Order.Delivery.SHIP,
        placed_at=paid_at,
        pay_by=paid_at + timedelta(minutes=30),
        paid_at=paid_at,
    )
    return OrderLine.objects.create(
        order=order,
        piece=piece,
        variant=variant,
        title=variant.style.title,
        quantity=quantity,
        unit_price=price,
        line_total=price * quantity,
    )


def give_back(
    line: OrderLine, *, at: datetime, quantity: int = 1, state: str = ReturnRequest.State.REFUNDED
) -> ReturnLine:
    request = ReturnRequest.objects.create(
        order=line.order, state=state, amount=line.unit_price * quantity, requested_at=at
    )
    return ReturnLine.objects.create(
        return_request=request,
        order_line=line,
        reason=ReturnLine.Reason.DEFECTIVE,
        quantity=quantity,
        amount=line.unit_price * quantity,
    )


def complain(variant: Variant, *, at: datetime, piece: Piece | None = None, times: int = 1) -> None:
    for _ in range(times):
        Complaint.objects.create(style=variant.style, piece=piece, kind=Complaint.Kind.QUALITY, opened_at=at)
