"""Order use cases. This module holds the state machine's enforcement; placing an order from a
checkout, payments and returns build on `move_order`."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric import privacy
from auric.catalog.models import Piece
from auric.checkout.shipping import DeliveryChoice
from auric.core import events
from auric.core.errors import Conflict, ValidationFailed
from auric.core.money import Money
from auric.core.transactions import service_transaction
from auric.inventory.models import Location
from auric.orders.models import Order, OrderDiscount, OrderLine, OrderTransition
from auric.orders.states import EVENT_ON_ENTER, TRANSITIONS, State, can_move
from auric.quality import selectors as quality_selectors

if TYPE_CHECKING:
    from auric.checkout.models import Cart

__all__ = [
    "DeliveryChoice",
    "IllegalTransition",
    "OrderHeld",
    "check_before_payment",
    "hold_order",
    "move_order",
    "place_order",
    "refuse_if_held",
    "release_hold",
    "require_step_up_for_payment",
    "run_checks_before_payment",
]

# Crockford base32 without I, L, O, U: readable aloud, no look-alikes.
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class IllegalTransition(Conflict):
    code = "illegal_order_transition"
    title = "The order cannot move to that state"


class OrderHeld(Conflict):
    code = "order_held"
    title = "The order is held for review"


# What a review hold stops: fulfilment. Payment start is refused by payments (`refuse_if_held`);
# a payment already under way may still arrive (PAID), and a held order may be cancelled or refunded.
HOLD_STOPS = frozenset(
    {State.PROCESSING, State.SHIPPED, State.READY_FOR_PICKUP, State.DELIVERED, State.PICKED_UP, State.COMPLETED}
)


def new_order_number() -> str:
    """AU + date + 8 random base32 characters (40 bits): says nothing about order volume."""
    random_part = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"AU{timezone.localdate():%y%m%d}{random_part}"


def new_pickup_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"


def _actor_label(actor: Any) -> str:
    if actor is not None and getattr(actor, "is_authenticated", False):
        return str(actor.get_username())
    return str(actor or "system")


# Leaving the brand's hands: every piece is re-checked at the outbound gate first (SPEC S4).
OUTBOUND_STOPS = frozenset({State.SHIPPED, State.READY_FOR_PICKUP})


class OutboundRecheckMissing(Conflict):
    code = "outbound_recheck_missing"
    title = gettext_noop("Pieces of the order need their outbound re-check")


def _require_outbound_recheck(order: Order) -> None:
    piece_ids = OrderLine.objects.filter(order=order, piece__isnull=False).values_list("piece_id", flat=True)
    missing = quality_selectors.pieces_without_outbound_pass(piece_ids, since=order.paid_at)
    if missing:
        serials = ", ".join(Piece.objects.filter(pk__in=missing).order_by("pk").values_list("serial_number", flat=True))
        raise OutboundRecheckMissing(
            f"Order {order.number} cannot leave before its outbound re-check passes for: {serials}.", piece_ids=missing
        )


def move_order(*, order: Order, to: str, actor: Any = None, note: str = "", **fields: Any) -> Order:
    """Move an order along the state machine, atomically; IllegalTransition otherwise.

    The move is a conditional update on the state the caller saw, so two staff members (or a
    callback and a timeout job) racing on the same order cannot both move it.
    """
    if to not in State.values:
        raise IllegalTransition(f"Unknown state {to!r}")
    source = order.state
    if not can_move(source, to):
        allowed = ", ".join(sorted(TRANSITIONS.get(source, ()))) or "none"
        raise IllegalTransition(f"An order that is {source} cannot become {to} (allowed: {allowed})")
    if to in OUTBOUND_STOPS and settings.AURIC_QC_OUTBOUND_GATE:
        _require_outbound_recheck(order)
    now = timezone.now()
    with service_transaction():
        movable = Order.objects.filter(pk=order.pk, state=source)
        if to in HOLD_STOPS:
            movable = movable.filter(held_for_review=False)
        moved = movable.update(state=to, **fields)
        if moved != 1:
            current, held = Order.objects.filter(pk=order.pk).values_list("state", "held_for_review").first() or (
                None,
                False,
            )
            if held and current == source:
                raise OrderHeld(
                    f"Order {order.number} is held for review; it cannot become {to} until the hold is released.",
                    state=current,
                )
            raise IllegalTransition(f"The order changed meanwhile: it is now {current}")
        OrderTransition.objects.create(
            order=order,
            from_state=source,
            to_state=to,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor)[:150],
            note=note[:300],
        )
        if event := EVENT_ON_ENTER.get(to):
            events.publish(
                event,
                {"order_id": order.pk, "number": order.number, "from": source, "to": to},
                aggregate=f"orders.order:{order.pk}",
            )
    order.state = to
    for name, value in fields.items():
        setattr(order, name, value)
    return order


# --- placing, paying, cancelling, expiring, refunding ----------------------------------------------
# Placing an order is the one place where a cart becomes an order; see docs/orders.md for the rules.

PAID_STATES = frozenset(
    {State.PAID, State.PROCESSING, State.SHIPPED, State.READY_FOR_PICKUP, State.DELIVERED, State.PICKED_UP}
)


class PaymentMismatch(Conflict):
    code = "payment_mismatch"
    title = "The payment does not match the order"


class RefundNotAllowed(Conflict):
    code = "refund_not_allowed"
    title = "This refund cannot be recorded"


def _pickup_location(store_id: int | None) -> Location:
    store = Location.objects.filter(pk=store_id or 0, kind=Location.Kind.STORE, is_active=True).first()
    if store is None:
        raise ValidationFailed("Choose a store to pick up from.", errors={"delivery.store_id": ["No such store"]})
    return store


def place_order(
    *,
    cart: Cart,
    user: Any,
    delivery: DeliveryChoice,
    coupon_code: str = "",
    invoice: dict | None = None,
    customised_confirmed: bool = False,
    actor: Any = None,
    price_locks: dict[int, Any] | None = None,
) -> Order:
    """Turn a cart into an order waiting for payment, in ONE transaction, all or nothing.

    `price_locks` are the running locks from `checkout.check_price_locks` when the caller checked
    them just before (the API does, outside its transaction, so renewed locks are kept); else they
    are checked here.

    Every piece is reserved through `inventory.reserve_piece` (reference = order number, until =
    pay_by) and quantity goods through `reserve_quantity`; a piece reserved or sold meanwhile raises
    PieceUnavailable (409) naming it and nothing is kept. Prices: a live price lock's, else the current
    price (see checkout.services); an expired lock whose price moved raises PriceChanged first.
    Totals follow checkout.totals (half-up to the fen, never negative).
    """
    from auric.checkout import services as checkout
    from auric.checkout.models import CartLine
    from auric.checkout.shipping import shipping_quote
    from auric.checkout.totals import order_totals
    from auric.inventory.services import reserve_piece, reserve_quantity

    if delivery.method not in Order.Delivery.values:
        raise ValidationFailed(errors={"delivery.method": ["ship or pickup"]})
    if price_locks is None:
        price_locks = checkout.check_price_locks(cart=cart)  # commits renewed locks only outside a transaction
    now = timezone.now()
    pay_by = now + timedelta(minutes=settings.AURIC_UNPAID_ORDER_MINUTES)
    with privacy.erased_on_error(), service_transaction():
        lines = list(
            CartLine.objects.filter(cart=cart)
            .select_related("piece__style", "piece__variant", "variant__style")
            .order_by("piece_id", "variant_id", "id")  # one lock order for every shopper
        )
        if not lines:
            raise ValidationFailed("The cart is empty.", errors={"cart": ["Empty"]})
        customised = [ln for ln in lines if (ln.piece.style if ln.piece else ln.variant.style).is_customised]
        if customised and not customised_confirmed:
            raise checkout.CustomisedNotConfirmed(
                "Customised pieces (engraving, resizing, bespoke) cannot be returned without a defect; "
                "confirm this to place the order.",
                errors={"customised_confirmed": ["Required for customised pieces"]},
            )
        pickup = _pickup_location(delivery.store_id) if delivery.method == Order.Delivery.PICKUP else None
        priced: list[tuple[CartLine, Decimal, Decimal | None, dict[str, Any]]] = []
        currencies = set()
        for line in lines:
            if line.piece is not None:
                p = checkout.price_piece(piece=line.piece, now=now, lock=price_locks.get(line.piece.pk))
                priced.append((line, p.unit_price, p.list_price, p.breakdown))
                currencies.add(line.piece.style.currency)
            else:
                b = checkout.variant_breakdown(variant=line.variant, at=now)
                list_price = b.list_price.amount if b.list_price else None
                priced.append((line, b.final_price.amount, list_price, checkout.breakdown_json(b)))
                currencies.add(line.variant.style.currency)
        if len(currencies) != 1:
            raise ValidationFailed(errors={"cart": ["One currency per order"]})
        currency = currencies.pop()
        line_totals = [unit * line.quantity for line, unit, _, _ in priced]
        subtotal = sum(line_totals, Decimal(0))
        coupon = checkout.find_coupon(code=coupon_code, now=now, user=user) if coupon_code.strip() else None
        discount = checkout.discount_for(coupon=coupon, subtotal=subtotal, currency=currency) if coupon else Decimal(0)
        quote = shipping_quote(method=delivery.method, goods_value=subtotal - discount)
        totals = order_totals(line_totals, discount, quote.fee)

        address_token = address_masked = phone_token = phone_masked = recipient_token = recipient_masked = ""
        address_fingerprint = ""
        if delivery.method == Order.Delivery.SHIP:
            address_fingerprint = _address_fingerprint(delivery.address)
            values = [("address", delivery.address), ("phone", delivery.address["phone"])]
            # The parcel label and the packing slip name the recipient: kept as its own value so
            # it can be shown masked (and revealed for shipping) without the whole address.
            if delivery.address.get("name"):
                values.append(("name", delivery.address["name"]))
            stored = privacy.store_many(values)
            (address_token, address_masked), (phone_token, phone_masked) = stored[:2]
            if len(stored) > 2:
                recipient_token, recipient_masked = stored[2]
        elif delivery.contact_phone:
            phone_token, phone_masked = privacy.store_masked("phone", delivery.contact_phone)
        order = Order.objects.create(
            number=new_order_number(),
            user=user if getattr(user, "is_authenticated", False) else None,
            currency=currency,
            subtotal=totals.subtotal,
            discount_total=totals.discount,
            shipping_total=totals.shipping,
            total=totals.total,
            delivery_method=delivery.method,
            pickup_location=pickup,
            address_token=address_token,
            address_masked=address_masked,
            address_fingerprint=address_fingerprint,
            phone_token=phone_token,
            phone_masked=phone_masked,
            recipient_token=recipient_token,
            recipient_masked=recipient_masked[:120],
            is_insured=quote.insured,
            insured_value=totals.subtotal - totals.discount if quote.insured else None,
            invoice=_clean_invoice(invoice),
            customised_confirmed=customised_confirmed,
            pickup_code=new_pickup_code() if pickup else "",
            placed_at=now,
            pay_by=pay_by,
        )
        order_lines: list[OrderLine] = []
        for (line, unit, list_price, breakdown), line_total, line_discount in zip(
            priced, line_totals, totals.line_discounts, strict=True
        ):
            if line.piece is not None:
                reservation = reserve_piece(piece=line.piece, reference=order.number, until=pay_by, actor=actor)
                style = line.piece.style
                title, serial = style.title, line.piece.serial_number
            else:
                reservation = reserve_quantity(
                    variant=line.variant, quantity=line.quantity, reference=order.number, until=pay_by, actor=actor
                )
                style = line.variant.style
                title, serial = f"{style.title} {line.variant.size}".strip(), ""
            order_line = OrderLine.objects.create(
                order=order,
                piece=line.piece,
                variant=line.variant,
                reservation=reservation,
                title=title[:160],
                serial_number=serial,
                quantity=line.quantity,
                unit_price=unit,
                list_price=list_price,
                discount=line_discount,
                line_total=line_total,
                breakdown=breakdown,
                is_customised=style.is_customised,
            )
            order_lines.append(order_line)
        discounts = []
        if coupon is not None and totals.discount > 0:
            discounts.append(
                OrderDiscount.objects.create(order=order, code=coupon.code, label=coupon.label, amount=totals.discount)
            )
            checkout.redeem_coupon(coupon=coupon, user=order.user, order=order, amount=totals.discount)
        placed = OrderTransition.objects.create(
            order=order,
            from_state="",
            to_state=State.PENDING_PAYMENT,
            at=now,
            actor=actor if getattr(actor, "is_authenticated", False) else None,
            actor_label=_actor_label(actor or user)[:150],
            note="placed",
        )
        events.publish(
            "orders.OrderPlaced",
            {
                "order_id": order.pk,
                "number": order.number,
                "user_id": order.user_id,
                "total": str(order.total),
                "currency": order.currency,
                "delivery": order.delivery_method,
                "piece_ids": [line.piece_id for line, _, _, _ in priced if line.piece_id],
            },
            aggregate=f"orders.order:{order.pk}",
        )
        checkout.clear_cart(cart=cart)
    _as_prefetched(order, lines=order_lines, discounts=discounts, transitions=[placed])
    return order


def _as_prefetched(order: Order, **children: list[Any]) -> None:
    """Hand the rows just written to whoever shows the order next, as if prefetched: the answer to
    placing an order then costs no reads of what this transaction wrote."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in children.items():
        queryset = getattr(order, name).all()  # lazy: no query
        queryset._result_cache, queryset._prefetch_done = rows, True
        cache[name] = queryset


# Who receives the parcel is not where it goes: a new recipient at the same address is no new address.
_NOT_THE_PLACE = frozenset({"name", "recipient", "phone", "mobile", "email"})


def _address_fingerprint(address: dict[str, Any]) -> str:
    """A keyed digest (the vault's blind-index key) of the place an address names, normalised like
    the vault's blind indexes: equal for equal places, meaningless without the key."""
    from auric.privacy.crypto import blind_digest
    from auric.privacy.keys import index_key

    place = "\x1f".join(f"{k}={str(v).strip()}" for k, v in sorted(address.items()) if k not in _NOT_THE_PLACE)
    return blind_digest("address", place, key=index_key())


# --- review holds (set by the risk engine or staff; see docs/adr/0010-risk-engine.md) ----------------


# Checks an order must pass before a payment of it starts, registered by the apps that own them (risk
# registers its screening: an order is screened before its first payment, ADR 0013), so that orders
# and payments import none of them. A check gets the locked order and returns True when it changed it.
_checks_before_payment: list[Callable[[Order], bool]] = []


def check_before_payment(check: Callable[[Order], bool]) -> Callable[[Order], bool]:
    """Register `check(order) -> changed` to run inside every payment start (decorator)."""
    if check not in _checks_before_payment:
        _checks_before_payment.append(check)
    return check


def run_checks_before_payment(*, order: Order) -> Order:
    """Run the registered checks on the locked order; the order as they left it (read again, still
    locked, when one changed it)."""
    changed = False
    for check in _checks_before_payment:
        changed = check(order) or changed
    return Order.objects.select_for_update().get(pk=order.pk) if changed else order


def refuse_if_held(*, order: Order, action: str) -> None:
    """OrderHeld (409 `order_held`) when the order waits for a review."""
    if order.held_for_review:
        raise OrderHeld(
            f"Order {order.number} is being reviewed and cannot be {action} until the review is done. "
            "We will let you know; nothing was charged.",
            number=order.number,
        )


def _extend_payment_window(order: Order, until: datetime) -> None:
    """Keep an unpaid order and its reservations alive until `until` (never shortens them)."""
    from auric.inventory.models import Reservation

    if order.state != State.PENDING_PAYMENT or order.pay_by >= until:
        return
    Order.objects.filter(pk=order.pk, state=State.PENDING_PAYMENT).update(pay_by=until)
    # The order's own holds on its pieces: extended in place (no stock moves), only while active.
    Reservation.objects.filter(
        pk__in=order.lines.exclude(reservation=None).values("reservation_id"),
        state=Reservation.State.ACTIVE,
        expires_at__lt=until,
    ).update(expires_at=until)
    order.pay_by = until


def hold_order(*, order: Order, reason: str, actor: Any = None, review_until: datetime | None = None) -> Order:
    """Hold an order for review: it cannot be paid or fulfilled until `release_hold`.

    An unpaid order (and its reservations) is kept until `review_until` so the review has time; an
    order nobody reviews by then expires as usual. Publishes orders.OrderHeld."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("A hold needs a reason.", errors={"reason": ["Required"]})
    now = timezone.now()
    with transaction.atomic():
        held = Order.objects.filter(
            pk=order.pk, state__in=(State.PENDING_PAYMENT, State.PAID), held_for_review=False
        ).update(held_for_review=True, hold_reason=reason[:300], held_at=now, hold_released_at=None)
        order.refresh_from_db()
        if held != 1:
            if order.held_for_review:
                return order
            raise IllegalTransition(f"Order {order.number} is {order.state}: too late to hold it.", state=order.state)
        if review_until is not None:
            _extend_payment_window(order, review_until)
        events.publish(
            "orders.OrderHeld",
            {"order_id": order.pk, "number": order.number, "reason": reason[:300], "by": _actor_label(actor)[:150]},
            aggregate=f"orders.order:{order.pk}",
        )
    return order


def release_hold(*, order: Order, actor: Any = None, note: str = "") -> Order:
    """Lift a review hold; an unpaid order gets a full payment window from now. Idempotent."""
    now = timezone.now()
    with transaction.atomic():
        released = Order.objects.filter(pk=order.pk, held_for_review=True).update(
            held_for_review=False, hold_released_at=now
        )
        order.refresh_from_db()
        if released != 1:
            return order
        _extend_payment_window(order, now + timedelta(minutes=settings.AURIC_UNPAID_ORDER_MINUTES))
        events.publish(
            "orders.OrderHoldReleased",
            {"order_id": order.pk, "number": order.number, "note": note[:300], "by": _actor_label(actor)[:150]},
            aggregate=f"orders.order:{order.pk}",
        )
    return order


def require_step_up_for_payment(*, order: Order) -> Order:
    """The order's payment needs a step-up of its owner whatever its total (payments checks it)."""
    with transaction.atomic():
        Order.objects.filter(pk=order.pk).update(payment_step_up_required=True)
    order.payment_step_up_required = True
    return order


INVOICE_FIELDS = ("kind", "title", "tax_id", "address", "phone", "bank", "account", "email")


def _clean_invoice(invoice: dict | None) -> dict[str, str]:
    """Personal (title = the person) or company (title + tax ID required; address, phone, bank, account)."""
    if not invoice:
        return {}
    data = {k: str(invoice.get(k) or "").strip() for k in INVOICE_FIELDS}
    errors: dict[str, list[str]] = {}
    if data["kind"] not in {"personal", "company"}:
        errors["invoice.kind"] = ["personal or company"]
    if not data["title"]:
        errors["invoice.title"] = ["Required"]
    if data["kind"] == "company" and not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{15,20}", data["tax_id"].upper()):
        errors["invoice.tax_id"] = ["A company needs its tax number (统一社会信用代码, 15–20 characters)"]
    for key, value in data.items():
        if len(value) > 200 or "\x00" in value:
            errors[f"invoice.{key}"] = ["At most 200 characters"]
    if errors:
        raise ValidationFailed("The invoice request is not complete.", errors=errors)
    if data["tax_id"]:
        data["tax_id_token"], data["tax_id"] = privacy.store_masked("tax_id", data["tax_id"].upper())
    return {k: v for k, v in data.items() if v}


def _paid_with(order: Order, payment_reference: str) -> bool:
    return OrderTransition.objects.filter(
        order=order, to_state=State.PAID, note=f"payment {payment_reference}"[:300]
    ).exists()


def mark_paid(*, order: Order, payment_reference: str, amount: Money, actor: Any = None) -> Order:
    """The payment arrived: reservations are consumed (pieces sold) and the order is PAID.

    Idempotent: an order already paid with the same reference is returned unchanged. A wrong amount
    or currency, or an order paid by another payment, is a Conflict (the caller refunds that payment).
    """
    from auric.inventory.services import consume_reservation

    if not payment_reference.strip():
        raise ValidationFailed(errors={"payment_reference": ["Required"]})
    order.refresh_from_db()
    if order.state != State.PENDING_PAYMENT:
        if _paid_with(order, payment_reference):
            return order
        raise IllegalTransition(f"Order {order.number} is {order.state}; it cannot be paid now.", state=order.state)
    if amount.currency != order.currency or amount.amount != order.total:
        raise PaymentMismatch(
            f"Paid {amount.amount} {amount.currency}, the order is {order.total} {order.currency}.",
            expected=str(order.total),
            currency=order.currency,
        )
    with service_transaction():
        move_order(order=order, to=State.PAID, actor=actor, note=f"payment {payment_reference}", paid_at=timezone.now())
        for line in order.lines.select_related("reservation__piece", "reservation__variant").order_by(
            "piece_id", "variant_id", "id"
        ):
            if line.reservation is not None:
                consume_reservation(reservation=line.reservation, actor=actor, reference=order.number)
    return order


def _release_lines(order: Order, reason: str, actor: Any) -> None:
    from auric.inventory.models import Reservation
    from auric.inventory.services import release_reservation

    for line in order.lines.select_related("reservation__piece", "reservation__variant").order_by(
        "piece_id", "variant_id", "id"
    ):
        if line.reservation is not None and line.reservation.state == Reservation.State.ACTIVE:
            release_reservation(reservation=line.reservation, actor=actor, reason=reason)


def cancel_order(*, order: Order, actor: Any = None, reason: str = "") -> Order:
    """Cancel an unpaid order: the stock and the coupon use are given back."""
    from auric.checkout.services import give_back_coupon

    with transaction.atomic():
        move_order(order=order, to=State.CANCELLED, actor=actor, note=reason or "cancelled", closed_at=timezone.now())
        _release_lines(order, reason or "cancelled", actor)
        give_back_coupon(order=order)
    return order


def expire_unpaid_orders(*, now: datetime | None = None, limit: int = 500) -> int:
    """The scheduled job: unpaid orders past pay_by are cancelled and release their stock."""
    now = now or timezone.now()
    due = list(Order.objects.filter(state=State.PENDING_PAYMENT, pay_by__lte=now).order_by("pay_by")[:limit])
    expired = 0
    for order in due:
        try:
            cancel_order(order=order, actor="system", reason="unpaid: payment time ran out")
            expired += 1
        except IllegalTransition:
            continue  # paid or cancelled meanwhile
    return expired


def record_refund(
    *,
    order: Order,
    amount: Money,
    reference: str,
    actor: Any = None,
    line_amounts: dict[int, Money] | None = None,
) -> Order:
    """Record money given back (the provider already refunded it). Never above what was paid; a
    refund reaching the total moves the order to REFUNDED; every refund publishes orders.OrderRefunded."""
    if amount.currency != order.currency or amount.amount <= 0:
        raise ValidationFailed(errors={"amount": [f"A positive amount in {order.currency}"]})
    line_amounts = line_amounts or {}
    if any(m.currency != order.currency or m.amount < 0 for m in line_amounts.values()):
        raise ValidationFailed(errors={"line_amounts": [f"Non-negative amounts in {order.currency}"]})
    if line_amounts and sum((m.amount for m in line_amounts.values()), Decimal(0)) != amount.amount:
        raise ValidationFailed(errors={"line_amounts": ["Must add up to the amount"]})
    with transaction.atomic():
        order.refresh_from_db()
        if order.state not in PAID_STATES:
            raise RefundNotAllowed(f"Order {order.number} is {order.state}: nothing to refund.", state=order.state)
        grown = Order.objects.filter(
            pk=order.pk, refunded_total__lte=F("total") - amount.amount, state=order.state
        ).update(refunded_total=F("refunded_total") + amount.amount)
        if grown != 1:
            raise RefundNotAllowed(
                f"The refund would exceed the paid total of {order.total} {order.currency}.",
                refunded=str(order.refunded_total),
            )
        for line_id, money in line_amounts.items():
            if not OrderLine.objects.filter(
                pk=line_id, order=order, refunded_amount__lte=F("line_total") - F("discount") - money.amount
            ).update(refunded_amount=F("refunded_amount") + money.amount):
                raise RefundNotAllowed(f"Line {line_id}: the refund would exceed what was paid for it.")
        order.refresh_from_db()
        full = order.refunded_total >= order.total
        if full:
            move_order(order=order, to=State.REFUNDED, actor=actor, note=f"refund {reference}"[:300])
        else:
            events.publish(
                "orders.OrderRefunded",
                {
                    "order_id": order.pk,
                    "number": order.number,
                    "amount": str(amount.amount),
                    "currency": amount.currency,
                    "reference": reference,
                    "partial": True,
                    "refunded_total": str(order.refunded_total),
                },
                aggregate=f"orders.order:{order.pk}",
            )
    return order


# --- account deletion (COMPLIANCE D3) ------------------------------------------------------------

ERASED = "erased"
# Order fields holding a vault token, each with its masked copy on the order.
PERSONAL_TOKEN_FIELDS = ("address_token", "phone_token", "recipient_token")


def anonymise_orders(*, user: Any, actor_label: str) -> int:
    """Strip the personal fields from every order of a closing account, keeping what tax law needs.

    Number, lines, amounts, dates and states stay; masked address, phone and recipient become
    `erased` (their vault values are erased by the caller, `auric.privacy.rights`); a personal
    invoice keeps only its kind; a company's invoice details are the company's and stay; the address
    fingerprint goes (a keyed hash of an address is still about the person); the shopper's own steps
    in the order timeline are relabelled `actor_label`; what staff typed about the orders (notes,
    reasons) becomes `erased`. Tokens stay so the erased values still say "erased". Runs inside the caller's transaction; returns the number of orders changed."""
    count = 0
    with transaction.atomic():
        for order in Order.objects.select_for_update().filter(user=user).order_by("pk"):
            for name in PERSONAL_TOKEN_FIELDS:
                masked_name = name.replace("_token", "_masked")
                if getattr(order, name) or getattr(order, masked_name):
                    setattr(order, masked_name, ERASED)
            invoice = order.invoice if isinstance(order.invoice, dict) else {}
            if invoice and invoice.get("kind") != "company":
                order.invoice = {"kind": invoice.get("kind", "personal"), "title": ERASED}
            order.address_fingerprint = ""
            order.save(
                update_fields=[
                    *(name.replace("_token", "_masked") for name in PERSONAL_TOKEN_FIELDS),
                    "invoice",
                    "address_fingerprint",
                ]
            )
            count += 1
        # The shopper's own steps: by the account, or placed in its name (no actor, the username as label).
        own_steps = Q(actor=user) | Q(order__user=user, actor__isnull=True, actor_label=user.get_username())
        OrderTransition.objects.filter(own_steps).update(actor_label=actor_label[:150])
        _erase_free_text_of_orders(user)
    return count


# Keys of order event payloads that carry what a person typed (a hold's reason, a review's note).
FREE_TEXT_KEYS = ("reason", "note")


def _erase_free_text_of_orders(user: Any) -> None:
    """What people typed about a closing account's orders may name the shopper (a hold's reason, a
    cancellation's or review's note, a return inspection's findings): it becomes `erased`, in the
    orders and in their events kept in the outbox. States, times and amounts stay."""
    from auric.core.models import OutboxEvent
    from auric.orders.models import ReturnRequest

    orders = Order.objects.filter(user=user)
    orders.exclude(hold_reason="").update(hold_reason=ERASED)
    OrderTransition.objects.filter(order__in=orders).exclude(note="").update(note=ERASED)
    ReturnRequest.objects.filter(order__in=orders).exclude(note="").update(note=ERASED)
    aggregates = [f"orders.order:{pk}" for pk in orders.values_list("pk", flat=True)]
    for event in OutboxEvent.objects.filter(aggregate__in=aggregates):
        if any(event.payload.get(key) not in (None, "", ERASED) for key in FREE_TEXT_KEYS):
            event.payload = {k: (ERASED if k in FREE_TEXT_KEYS and v else v) for k, v in event.payload.items()}
            event.save(update_fields=["payload"])
