"""Delivery, the return window, returns and completion (rules R1 and R2; docs/orders.md "Returns").

- `mark_delivered` (carrier event) and `mark_picked_up` (pickup code checked) open the return window:
  7 days from that moment, 14 days when the parcel went to an EU address (R1, R2).
- `request_return` (the order's owner, inside the window) → `approve_return` / `reject_return`
  (staff) → `receive_return` (inspected: the piece goes back to stock, or to quarantine) →
  `refund_return` (through the payment provider). Each move is a conditional update on the state the
  caller saw, so two members of staff cannot both approve, receive or refund the same return.
- `complete_due_orders` (management command `complete_orders`) completes delivered / picked-up
  orders whose window closed and that have no open return.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auric import privacy
from auric.core import events
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.core.money import Money
from auric.orders.models import Order, OrderLine, ReturnLine, ReturnRequest
from auric.orders.services import IllegalTransition, move_order
from auric.orders.states import State

__all__ = [
    "EU_COUNTRIES",
    "CustomisedNotReturnable",
    "IllegalReturnMove",
    "ReturnNotAllowed",
    "ReturnWindowClosed",
    "approve_return",
    "complete_due_orders",
    "mark_delivered",
    "mark_picked_up",
    "receive_return",
    "refund_return",
    "reject_return",
    "request_return",
    "return_window_days",
]

# ISO 3166 codes of the EU member states: their consumers have 14 days (R1).
EU_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    ]
)
RETURNABLE_STATES = frozenset({State.DELIVERED, State.PICKED_UP})


class ReturnNotAllowed(Conflict):
    code = "return_not_allowed"
    title = "This order cannot be returned now"


class ReturnWindowClosed(ReturnNotAllowed):
    code = "return_window_closed"
    title = "The return window of this order closed"


class CustomisedNotReturnable(ValidationFailed):
    code = "customised_not_returnable"
    title = "Customised pieces can only be returned when defective"


class IllegalReturnMove(Conflict):
    code = "illegal_return_transition"
    title = "The return cannot move to that state"


# --- delivery and the return window ----------------------------------------------------------------


def _days(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def return_window_days(order: Order) -> int:
    """7 days; 14 when the order shipped to an EU address. Pickup happens in our (Chinese) stores: 7.

    The country is read from the privacy vault (purpose handle_ticket, logged) only for shipped
    orders; addresses without a country are Chinese (checkout defaults it to CN).
    """
    ordinary = _days("AURIC_RETURN_WINDOW_DAYS", 7)
    if order.delivery_method != Order.Delivery.SHIP or not order.address_token:
        return ordinary
    address = privacy.reveal(order.address_token, "handle_ticket", actor="system: return window")
    country = str((address or {}).get("country") or "CN").upper()
    return _days("AURIC_EU_RETURN_WINDOW_DAYS", 14) if country in EU_COUNTRIES else ordinary


def _open_window(*, order: Order, to: str, actor: Any, at: datetime | None, note: str) -> Order:
    at = at or timezone.now()
    ends = at + timedelta(days=return_window_days(order))
    return move_order(order=order, to=to, actor=actor, note=note, delivered_at=at, return_window_ends_at=ends)


def mark_delivered(*, order: Order, actor: Any = None, at: datetime | None = None) -> Order:
    """The carrier delivered the parcel (shipped → delivered): the return window starts now (R2)."""
    with transaction.atomic():
        return _open_window(order=order, to=State.DELIVERED, actor=actor, at=at, note="delivered by carrier")


def mark_picked_up(*, order: Order, actor: Any = None, at: datetime | None = None, code: str | None = None) -> Order:
    """The shopper collected the order in store (ready_for_pickup → picked_up): the window starts now.

    When `code` is given it must be the order's pickup code (ValidationFailed otherwise)."""
    if code is not None and (
        not order.pickup_code or not secrets.compare_digest(code.strip().encode(), order.pickup_code.encode())
    ):
        raise ValidationFailed("The pickup code does not match.", errors={"code": ["Wrong pickup code"]})
    with transaction.atomic():
        return _open_window(order=order, to=State.PICKED_UP, actor=actor, at=at, note="picked up in store")


def has_open_return(order: Order) -> bool:
    return ReturnRequest.objects.filter(order=order, state__in=ReturnRequest.OPEN_STATES).exists()


def complete_due_orders(*, now: datetime | None = None, limit: int = 500) -> int:
    """The scheduled job: delivered / picked-up orders whose return window closed and that have no
    open return are completed (R2: points and commissions unlock on orders.OrderCompleted)."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(state__in=RETURNABLE_STATES, return_window_ends_at__lte=now)
        .exclude(returns__state__in=ReturnRequest.OPEN_STATES)
        .order_by("return_window_ends_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    completed = 0
    for pk in due:
        with transaction.atomic():
            # Lock the order so a return requested at the same moment waits for us (and then sees
            # the order completed), or we see its return.
            order = Order.objects.select_for_update().get(pk=pk)
            if order.state not in RETURNABLE_STATES or has_open_return(order):
                continue
            try:
                move_order(order=order, to=State.COMPLETED, actor="system", note="return window closed", closed_at=now)
            except IllegalTransition:
                continue
            completed += 1
    return completed


# --- returns ---------------------------------------------------------------------------------------


def _net_left(line: OrderLine) -> Decimal:
    """What the shopper paid for the line (its total less its share of the discount), less refunds."""
    return line.line_total - line.discount - line.refunded_amount


def request_return(*, order: Order, lines: list[tuple[int, str]], actor: Any) -> ReturnRequest:
    """The order's owner asks to return some (or all) of its lines, each with a reason.

    404 for anybody but the owner; 409 outside the return window or for an order that is not
    delivered / picked up; 422 for a customised line without the reason "defective" (R1), an unknown
    line or reason; 409 for a line already in an open or refunded return.
    """
    if actor is None or order.user_id is None or getattr(actor, "pk", None) != order.user_id:
        raise NotFound(f"No order {order.number}")
    if not lines:
        raise ValidationFailed("Choose the lines to return.", errors={"lines": ["At least one line"]})
    wanted: dict[int, str] = {}
    errors: dict[str, list[str]] = {}
    for index, (line_id, reason) in enumerate(lines):
        if reason not in ReturnLine.Reason.values:
            errors[f"lines.{index}.reason"] = [f"One of {', '.join(ReturnLine.Reason.values)}"]
        if line_id in wanted:
            errors[f"lines.{index}.line_id"] = ["Listed twice"]
        wanted[line_id] = reason
    if errors:
        raise ValidationFailed("The return request is not valid.", errors=errors)
    now = timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)  # serialises with completion and other returns
        if order.state not in RETURNABLE_STATES:
            raise ReturnNotAllowed(f"Order {order.number} is {order.state}: it cannot be returned.", state=order.state)
        if order.return_window_ends_at is None or now > order.return_window_ends_at:
            raise ReturnWindowClosed(
                f"The return window of order {order.number} closed.",
                window_ended_at=order.return_window_ends_at.isoformat() if order.return_window_ends_at else None,
            )
        order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order, pk__in=wanted)}
        for index, (line_id, reason) in enumerate(wanted.items()):
            line = order_lines.get(line_id)
            if line is None:
                errors[f"lines.{index}.line_id"] = ["Not a line of this order"]
            elif line.is_customised and reason != ReturnLine.Reason.DEFECTIVE:
                raise CustomisedNotReturnable(
                    "Customised pieces (engraving, resizing, bespoke) can only be returned when defective.",
                    errors={f"lines.{index}.reason": ["defective is the only reason for a customised piece"]},
                    line_id=line_id,
                )
        if errors:
            raise ValidationFailed("The return request is not valid.", errors=errors)
        taken = set(
            ReturnLine.objects.filter(
                order_line_id__in=wanted,
                return_request__state__in=(*ReturnRequest.OPEN_STATES, ReturnRequest.State.REFUNDED),
            ).values_list("order_line_id", flat=True)
        )
        spent = [pk for pk, line in order_lines.items() if _net_left(line) <= 0]
        if taken or spent:
            raise ReturnNotAllowed(
                "Some lines are already being returned or were refunded.", line_ids=sorted({*taken, *spent})
            )
        amounts = {pk: _net_left(line) for pk, line in order_lines.items()}
        request = ReturnRequest.objects.create(
            order=order,
            user=actor,
            currency=order.currency,
            amount=sum(amounts.values(), Decimal(0)),
            requested_at=now,
        )
        ReturnLine.objects.bulk_create(
            ReturnLine(
                return_request=request,
                order_line_id=pk,
                reason=reason,
                quantity=order_lines[pk].quantity,
                amount=amounts[pk],
            )
            for pk, reason in wanted.items()
        )
        events.publish(
            "orders.ReturnRequested",
            {
                "return_id": request.pk,
                "order_id": order.pk,
                "number": order.number,
                "line_ids": sorted(wanted),
                "amount": str(request.amount),
                "currency": request.currency,
            },
            aggregate=f"orders.order:{order.pk}",
        )
    return request


def _move(request: ReturnRequest, sources: tuple[str, ...], to: str, **fields: Any) -> ReturnRequest:
    """Conditional update: only from a state the caller saw; IllegalReturnMove otherwise."""
    if request.state not in sources:
        raise IllegalReturnMove(f"A return that is {request.state} cannot become {to}.", state=request.state)
    moved = ReturnRequest.objects.filter(pk=request.pk, state=request.state).update(state=to, **fields)
    if moved != 1:
        current = ReturnRequest.objects.filter(pk=request.pk).values_list("state", flat=True).first()
        raise IllegalReturnMove(f"The return changed meanwhile: it is now {current}.", state=current)
    request.state = to
    for name, value in fields.items():
        setattr(request, name, value)
    return request


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def approve_return(*, return_request: ReturnRequest, actor: Any, note: str = "") -> ReturnRequest:
    """Staff agree to take the lines back (requested → approved); the shopper sends them."""
    with transaction.atomic():
        return _move(
            return_request,
            (ReturnRequest.State.REQUESTED,),
            ReturnRequest.State.APPROVED,
            decided_at=timezone.now(),
            decided_by=_user_or_none(actor),
            note=note[:300],
        )


def reject_return(*, return_request: ReturnRequest, actor: Any, reason: str) -> ReturnRequest:
    """Staff refuse the return (requested or approved → rejected), with the reason the shopper sees."""
    if not reason.strip():
        raise ValidationFailed("Say why the return is rejected.", errors={"reason": ["Required"]})
    with transaction.atomic():
        return _move(
            return_request,
            (ReturnRequest.State.REQUESTED, ReturnRequest.State.APPROVED),
            ReturnRequest.State.REJECTED,
            decided_at=timezone.now(),
            decided_by=_user_or_none(actor),
            note=reason[:300],
        )


def receive_return(
    *, return_request: ReturnRequest, inspection: str, actor: Any, note: str = "", location: Any = None
) -> ReturnRequest:
    """The parcel came back and was inspected (approved → received).

    passed: each piece is back on sale (`inventory.return_piece`, journal `returned`), quantity goods
    back on hand (`receive_quantity` where they were reserved). failed: each piece is returned, then
    quarantined (`quarantine_piece`); quantity goods are not put back on hand. `location`: where the
    goods arrive (default: where the piece was sold / the goods were reserved).
    """
    from auric.inventory.services import quarantine_piece, receive_quantity, return_piece

    if inspection not in ReturnRequest.Inspection.values:
        raise ValidationFailed(errors={"inspection": ["passed or failed"]})
    with transaction.atomic():
        request = _move(
            return_request,
            (ReturnRequest.State.APPROVED,),
            ReturnRequest.State.RECEIVED,
            inspection=inspection,
            received_at=timezone.now(),
            note=(note or return_request.note)[:300],
        )
        order = request.order
        reference = f"{order.number} return {request.pk}"
        staff = _user_or_none(actor)
        for rl in request.lines.select_related("order_line__piece", "order_line__variant", "order_line__reservation"):
            line = rl.order_line
            if line.piece is not None:
                return_piece(piece=line.piece, location=location, actor=staff, reference=reference)
                if inspection == ReturnRequest.Inspection.FAILED:
                    quarantine_piece(
                        piece=line.piece, reason=f"{reference}: failed inspection {note}"[:300], actor=staff
                    )
            elif inspection == ReturnRequest.Inspection.PASSED:
                where = location or (line.reservation.location if line.reservation else None)
                if where is not None:
                    receive_quantity(
                        variant=line.variant, location=where, quantity=rl.quantity, actor=staff, reference=reference
                    )
    return request


def refund_return(*, return_request: ReturnRequest, actor: Any = None) -> ReturnRequest:
    """Give the money for the returned lines back through the payment provider (received → refunded).

    `payments.refund_payment` books a pending refund keyed "return:<id>", asks the provider outside
    any transaction, then in ONE transaction records the refund on the order (`record_refund`: a
    refund reaching the total moves the order to refunded), raises each returned line's
    refunded_amount and moves this return to refunded. The return stays received until then, so a
    process that dies around the provider call leaves a pending refund that calling this again
    resumes — the money is neither lost nor given twice. Calling it for a refunded return returns it
    unchanged; a provider refusal leaves the return received (the refund is marked failed).
    """
    from auric.payments.services import refund_payment

    current = ReturnRequest.objects.get(pk=return_request.pk)
    if current.state == ReturnRequest.State.REFUNDED:
        _copy_refunded(current, return_request)
        return return_request
    if return_request.state != ReturnRequest.State.RECEIVED or current.state != ReturnRequest.State.RECEIVED:
        state = current.state if current.state != ReturnRequest.State.RECEIVED else return_request.state
        raise IllegalReturnMove(f"A return that is {state} cannot become refunded.", state=state)
    order = Order.objects.get(pk=current.order_id)
    line_amounts = {rl.order_line_id: Money(rl.amount, current.currency) for rl in current.lines.all()}

    def mark_refunded(refund: Any) -> None:
        _move(
            current,
            (ReturnRequest.State.RECEIVED,),
            ReturnRequest.State.REFUNDED,
            refunded_at=timezone.now(),
            refund_reference=f"{refund.pk}:{refund.provider_reference}"[:80],
        )

    refund_payment(
        order=order,
        amount=Money(current.amount, current.currency),
        reason=f"return {current.pk} of order {order.number}",
        actor=actor,
        key=f"return:{current.pk}",
        line_amounts=line_amounts,
        on_refunded=mark_refunded,
    )
    current.refresh_from_db()
    _copy_refunded(current, return_request)
    return return_request


def _copy_refunded(source: ReturnRequest, target: ReturnRequest) -> None:
    target.state, target.refunded_at, target.refund_reference = (
        source.state,
        source.refunded_at,
        source.refund_reference,
    )
