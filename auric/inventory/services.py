"""Inventory use cases: every movement of stock, each in one transaction with its journal row.

A serialized piece moves through the states of `PIECE_TRANSITIONS` (one table, enforced in
`_move_piece` and replayed by `replay_piece_state`); quantity goods move by counts on
`StockLevel`. Every change writes a `StockMovement` in the same transaction, publishes its event
through the outbox and refreshes the affected styles' availability summary.

Never selling one piece twice rests on conditional UPDATEs — `UPDATE piece_stock SET status =
'reserved' WHERE piece_id = ? AND status = 'available'` and its row count — which are atomic on
PostgreSQL (row locks, re-checked after a wait) and on SQLite (one writer at a time, IMMEDIATE
transactions). The partial unique constraint `one_active_reservation_per_piece` is the second
guard. Locks for multi-row operations follow the order in `inventory.locks`.

Blocks whose errors always leave the enclosing service (the reservation insert, the availability
refresh) open with `savepoint=False`: nested, they cost no SAVEPOINT/RELEASE round trips, and the
enclosing service's own transaction (a savepoint when it is nested) still rolls back as a whole.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from auric.catalog.models import Piece, Variant
from auric.core import events
from auric.core.audit import record_change
from auric.core.errors import Conflict, ValidationFailed
from auric.core.transactions import service_transaction
from auric.inventory import events as names
from auric.inventory import locks
from auric.inventory.availability import refresh_style_availability
from auric.inventory.models import (
    Location,
    PieceStatus,
    PieceStock,
    Reservation,
    StockLevel,
    StockMovement,
    Transfer,
)

Kind = StockMovement.Kind
__all__ = ["refresh_style_availability"]  # re-exported: the summary every movement refreshes


class PieceUnavailable(Conflict):
    code = "piece_unavailable"
    title = "This piece is not available"


class InsufficientStock(Conflict):
    code = "insufficient_stock"
    title = "Not enough stock"


class IllegalMove(Conflict):
    code = "illegal_stock_move"
    title = "This stock movement is not allowed"


class ReservationClosed(Conflict):
    code = "reservation_closed"
    title = "This reservation is no longer active"


# The piece state machine: journal kind → (states it may start from, state it leads to).
# None means "not in stock yet". replay_piece_state() applies the same table to the journal.
PIECE_TRANSITIONS: dict[str, tuple[frozenset[str | None], str]] = {
    Kind.RECEIVED: (frozenset({None, PieceStatus.SOLD}), PieceStatus.AVAILABLE),
    Kind.RESERVED: (frozenset({PieceStatus.AVAILABLE}), PieceStatus.RESERVED),
    Kind.RELEASED: (frozenset({PieceStatus.RESERVED}), PieceStatus.AVAILABLE),
    Kind.SOLD: (frozenset({PieceStatus.RESERVED}), PieceStatus.SOLD),
    Kind.TRANSFER_OUT: (frozenset({PieceStatus.AVAILABLE}), PieceStatus.IN_TRANSIT),
    Kind.TRANSFER_IN: (frozenset({PieceStatus.IN_TRANSIT}), PieceStatus.AVAILABLE),
    Kind.RETURNED: (frozenset({PieceStatus.SOLD}), PieceStatus.AVAILABLE),
    Kind.QUARANTINED: (frozenset({PieceStatus.AVAILABLE}), PieceStatus.QUARANTINED),
    # Back from quarantine after inspection.
    Kind.ADJUSTED: (frozenset({PieceStatus.QUARANTINED}), PieceStatus.AVAILABLE),
    # Quality gates: received stock waits for its inbound inspection; a spot-check sample is held
    # while inspected; a failure is quarantined until a later pass (never released by hand).
    Kind.INSPECTION_HOLD: (frozenset({PieceStatus.AVAILABLE}), PieceStatus.INSPECTING),
    Kind.INSPECTION_PASSED: (
        frozenset({PieceStatus.INSPECTING, PieceStatus.FAILED_QC, PieceStatus.QUARANTINED}),
        PieceStatus.AVAILABLE,
    ),
    Kind.INSPECTION_FAILED: (frozenset({PieceStatus.INSPECTING, PieceStatus.AVAILABLE}), PieceStatus.FAILED_QC),
}


def _user(actor: Any) -> Any:
    """The journal's actor column takes a user; anything else (None, "system") is stored as NULL."""
    return actor if actor is not None and getattr(actor, "is_authenticated", False) else None


def _piece_error(piece: Piece, status: str | None, action: str) -> PieceUnavailable:
    state = "not in stock" if status is None else PieceStatus(status).label
    return PieceUnavailable(
        f"Piece {piece.serial_number} cannot be {action}: it is {state}.",
        piece_id=piece.pk,
        stock_status=status,
    )


def _journal(
    *,
    kind: str,
    location_id: int,
    piece_id: int | None = None,
    variant_id: int | None = None,
    quantity: int = 1,
    now: datetime,
    actor: Any = None,
    reference: str = "",
    reservation: Reservation | None = None,
    transfer: Transfer | None = None,
    counterpart_id: int | None = None,
    note: str = "",
) -> StockMovement:
    return StockMovement.objects.create(
        at=now,
        kind=kind,
        piece_id=piece_id,
        variant_id=variant_id,
        quantity=quantity,
        location_id=location_id,
        counterpart_id=counterpart_id,
        reservation=reservation,
        transfer=transfer,
        reference=reference[:60],
        actor=_user(actor),
        note=note[:200],
    )


def _move_piece(
    *,
    piece: Piece,
    kind: str,
    action: str,
    now: datetime,
    to_location_id: int | None = None,
    locked: PieceStock | None = None,
    **journal: Any,
) -> PieceStock:
    """Apply one transition of PIECE_TRANSITIONS to a piece already in stock, with its journal row.
    `locked`: the piece's stock row when the caller locked it already in this transaction."""
    allowed, target = PIECE_TRANSITIONS[kind]
    stock = locked if locked is not None else locks.lock_piece_stock([piece.pk]).get(piece.pk)
    if stock is None or stock.status not in allowed:
        raise _piece_error(piece, stock.status if stock else None, action)
    location_id = to_location_id or stock.location_id
    # Conditional on the state just read: correct even where the lock above is a no-op.
    updated = PieceStock.objects.filter(piece_id=piece.pk, status=stock.status).update(
        status=target, location_id=location_id, updated_at=now
    )
    if updated != 1:
        raise _piece_error(piece, None, action)
    stock.status, stock.location_id, stock.updated_at = target, location_id, now
    _journal(kind=kind, piece_id=piece.pk, location_id=location_id, now=now, **journal)
    return stock


def _piece_of(reservation: Reservation) -> Piece:
    piece = reservation.piece
    assert piece is not None, "a piece reservation"
    return piece


def _variant_of(reservation: Reservation) -> Variant:
    variant = reservation.variant
    assert variant is not None, "a quantity reservation"
    return variant


def _piece_payload(piece: Piece, location_id: int, **extra: Any) -> dict[str, Any]:
    return {"piece_id": piece.pk, "style_id": piece.style_id, "location_id": location_id, **extra}


# Rules other apps add to every receipt of a piece (quality: new pieces come from approved, certified
# suppliers). Each runs inside the receipt's transaction, before anything is written, and refuses
# with a DomainError. Keyed by name, so registering twice (a reload) keeps one.
ReceiptRule = Callable[..., None]
_receipt_rules: dict[str, ReceiptRule] = {}


def receipt_rule(func: ReceiptRule) -> ReceiptRule:
    """Register `func(*, piece, location, supplier, first_receipt, actor, reference)`."""
    _receipt_rules[f"{func.__module__}.{func.__qualname__}"] = func
    return func


# --- Serialized pieces ------------------------------------------------------------------------
def receive_piece(
    *,
    piece: Piece,
    location: Location,
    actor: Any = None,
    reference: str = "",
    refresh: bool = True,
    awaiting_inspection: bool | None = None,
    supplier: str = "",
) -> PieceStock:
    """A piece enters stock at a location (new, or bought back after a sale).

    With the inbound quality gate on (`AURIC_QC_INBOUND_GATE`, the default) the piece waits for its
    inbound inspection and cannot be sold before it passes. `awaiting_inspection=False` is only for
    callers that record the inbound inspection themselves (the demo's opening stock).
    `refresh=False` is for bulk callers (the ERP import) that refresh availability once at the end.
    `supplier`: the code of the supplier a new piece comes from (checked by the receipt rules).
    """
    if awaiting_inspection is None:
        awaiting_inspection = settings.AURIC_QC_INBOUND_GATE
    if not location.is_active or location.kind == Location.Kind.IN_TRANSIT:
        raise ValidationFailed(
            "Stock can only be received at an active store or warehouse.",
            errors={"location": ["Not an active store or warehouse"]},
        )
    now = timezone.now()
    with transaction.atomic():
        existing = locks.lock_piece_stock([piece.pk]).get(piece.pk)
        for rule in list(_receipt_rules.values()):
            rule(
                piece=piece,
                location=location,
                supplier=supplier,
                first_receipt=existing is None,
                actor=actor,
                reference=reference,
            )
        if existing is None:
            try:
                with transaction.atomic():
                    # By id: a cached `piece.stock` would go stale at the inspection hold below.
                    PieceStock.objects.create(
                        piece_id=piece.pk, location=location, status=PieceStatus.AVAILABLE, updated_at=now
                    )
            except IntegrityError as exc:
                raise IllegalMove(f"Piece {piece.serial_number} is already in stock.") from exc
        else:
            if existing.status != PieceStatus.SOLD:
                raise IllegalMove(
                    f"Piece {piece.serial_number} is already in stock ({PieceStatus(existing.status).label}).",
                    piece_id=piece.pk,
                    stock_status=existing.status,
                )
            updated = PieceStock.objects.filter(piece_id=piece.pk, status=PieceStatus.SOLD).update(
                status=PieceStatus.AVAILABLE, location=location, updated_at=now
            )
            if updated != 1:
                raise IllegalMove(f"Piece {piece.serial_number} is already in stock.")
        _journal(
            kind=Kind.RECEIVED, piece_id=piece.pk, location_id=location.pk, now=now, actor=actor, reference=reference
        )
        if awaiting_inspection:
            _move_piece(
                piece=piece, kind=Kind.INSPECTION_HOLD, action="held", now=now, actor=actor, reference=reference
            )
        events.publish(
            names.PIECE_RECEIVED,
            _piece_payload(piece, location.pk, reference=reference),
            aggregate=f"catalog.piece:{piece.pk}",
        )
        if refresh:
            refresh_style_availability(style_ids=[piece.style_id])
        return PieceStock.objects.get(piece_id=piece.pk)


def _expires(until: datetime | None, now: datetime) -> datetime:
    if until is None:
        return now + timedelta(minutes=settings.AURIC_RESERVATION_MINUTES)
    if until <= now:
        raise ValidationFailed("A reservation must end in the future.", errors={"until": ["Must be in the future"]})
    return until


def _take_over_stale_hold(piece: Piece, now: datetime) -> bool:
    """Expire the piece's active reservation if its time is up; True when the piece is free again.

    Lets a shopper reserve a piece whose previous hold lapsed before the expiry job ran.
    """
    stock = locks.lock_piece_stock([piece.pk]).get(piece.pk)  # lock order: stock before reservation
    stale = Reservation.objects.filter(piece_id=piece.pk, state=Reservation.State.ACTIVE, expires_at__lte=now).first()
    if stale is None:
        return False
    if not Reservation.objects.filter(pk=stale.pk, state=Reservation.State.ACTIVE).update(
        state=Reservation.State.EXPIRED, closed_at=now
    ):
        return False
    _move_piece(
        piece=piece,
        kind=Kind.RELEASED,
        action="released",
        now=now,
        locked=stock,
        reservation=stale,
        reference=stale.reference,
        note="expired",
    )
    events.publish(
        names.PIECE_RELEASED,
        _piece_payload(piece, stale.location_id, reservation_id=stale.pk, reference=stale.reference, reason="expired"),
        aggregate=f"catalog.piece:{piece.pk}",
    )
    return True


def reserve_piece(*, piece: Piece, reference: str, until: datetime | None = None, actor: Any = None) -> Reservation:
    """Hold an available piece for a checkout or an order; raises PieceUnavailable otherwise."""
    if not reference.strip():
        raise ValidationFailed("A reservation needs a reference.", errors={"reference": ["Required"]})
    now = timezone.now()
    expires_at = _expires(until, now)
    with service_transaction():
        # THE guard against overselling: only one transaction can turn 'available' into 'reserved'.
        claimed = PieceStock.objects.filter(piece_id=piece.pk, status=PieceStatus.AVAILABLE).update(
            status=PieceStatus.RESERVED, updated_at=now
        )
        if claimed != 1 and _take_over_stale_hold(piece, now):
            claimed = PieceStock.objects.filter(piece_id=piece.pk, status=PieceStatus.AVAILABLE).update(
                status=PieceStatus.RESERVED, updated_at=now
            )
        if claimed != 1:
            current = PieceStock.objects.filter(piece_id=piece.pk).values_list("status", flat=True).first()
            raise _piece_error(piece, current, "reserved")
        location_id = PieceStock.objects.filter(piece_id=piece.pk).values_list("location_id", flat=True).get()
        try:
            with transaction.atomic(savepoint=False):
                reservation = Reservation.objects.create(
                    piece=piece,
                    location_id=location_id,
                    quantity=1,
                    reference=reference[:60],
                    created_at=now,
                    expires_at=expires_at,
                )
        except IntegrityError as exc:  # one_active_reservation_per_piece: the second guard
            raise _piece_error(piece, PieceStatus.RESERVED, "reserved") from exc
        _journal(
            kind=Kind.RESERVED,
            piece_id=piece.pk,
            location_id=location_id,
            now=now,
            actor=actor,
            reference=reference,
            reservation=reservation,
        )
        events.publish(
            names.PIECE_RESERVED,
            _piece_payload(
                piece,
                location_id,
                reservation_id=reservation.pk,
                reference=reservation.reference,
                expires_at=expires_at.isoformat(),
            ),
            aggregate=f"catalog.piece:{piece.pk}",
        )
        refresh_style_availability(style_ids=[piece.style_id])
    return reservation


def _close(reservation: Reservation, state: str, now: datetime) -> None:
    """Close an active reservation (conditional UPDATE); ReservationClosed if it was not active."""
    closed = Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.ACTIVE).update(
        state=state, closed_at=now
    )
    if closed != 1:
        current = Reservation.objects.filter(pk=reservation.pk).values_list("state", flat=True).first()
        raise ReservationClosed(
            f"Reservation {reservation.reference} is {current or 'gone'}.", reservation_id=reservation.pk, state=current
        )
    reservation.state, reservation.closed_at = state, now


def release_reservation(*, reservation: Reservation, actor: Any = None, reason: str = "released") -> Reservation:
    """Give a held piece or quantity back to stock (checkout abandoned, order cancelled)."""
    now = timezone.now()
    with transaction.atomic():
        style_id = _release(reservation, state=Reservation.State.RELEASED, now=now, actor=actor, reason=reason)
        refresh_style_availability(style_ids=[style_id])
    return reservation


def _release(reservation: Reservation, *, state: str, now: datetime, actor: Any, reason: str) -> int:
    """Close and give back one reservation; returns its style id. Locks stock before the reservation."""
    if reservation.piece_id is not None:
        piece = _piece_of(reservation)
        stock = locks.lock_piece_stock([piece.pk]).get(piece.pk)
        _close(reservation, state, now)
        _move_piece(
            locked=stock,
            piece=piece,
            kind=Kind.RELEASED,
            action="released",
            now=now,
            actor=actor,
            reservation=reservation,
            reference=reservation.reference,
            note=reason,
        )
        events.publish(
            names.PIECE_RELEASED,
            _piece_payload(
                piece,
                reservation.location_id,
                reservation_id=reservation.pk,
                reference=reservation.reference,
                reason=reason,
            ),
            aggregate=f"catalog.piece:{piece.pk}",
        )
        return piece.style_id
    assert reservation.variant_id is not None
    locks.lock_stock_levels(variant_id=reservation.variant_id, location_ids=[reservation.location_id])
    _close(reservation, state, now)
    qty = reservation.quantity
    updated = StockLevel.objects.filter(
        variant_id=reservation.variant_id, location_id=reservation.location_id, reserved__gte=qty
    ).update(reserved=F("reserved") - qty)
    if updated != 1:
        raise IllegalMove("The reserved quantity is no longer on record.")
    _journal(
        kind=Kind.RELEASED,
        variant_id=reservation.variant_id,
        quantity=qty,
        location_id=reservation.location_id,
        now=now,
        actor=actor,
        reservation=reservation,
        reference=reservation.reference,
        note=reason,
    )
    return _variant_of(reservation).style_id


def consume_reservation(*, reservation: Reservation, actor: Any = None, reference: str = "") -> Reservation:
    """The held piece or quantity is sold (order paid).

    An active hold is honoured even past its expiry time until the expiry job (or another shopper)
    has taken it back: then this raises ReservationClosed.
    """
    now = timezone.now()
    reference = reference or reservation.reference
    with service_transaction():
        if reservation.piece_id is not None:
            piece = _piece_of(reservation)
            stock = locks.lock_piece_stock([piece.pk]).get(piece.pk)
            _close(reservation, Reservation.State.CONSUMED, now)
            _move_piece(
                locked=stock,
                piece=piece,
                kind=Kind.SOLD,
                action="sold",
                now=now,
                actor=actor,
                reservation=reservation,
                reference=reference,
            )
            events.publish(
                names.PIECE_SOLD,
                _piece_payload(piece, reservation.location_id, reservation_id=reservation.pk, reference=reference),
                aggregate=f"catalog.piece:{piece.pk}",
            )
        else:
            assert reservation.variant_id is not None
            locks.lock_stock_levels(variant_id=reservation.variant_id, location_ids=[reservation.location_id])
            _close(reservation, Reservation.State.CONSUMED, now)
            qty = reservation.quantity
            updated = StockLevel.objects.filter(
                variant_id=reservation.variant_id,
                location_id=reservation.location_id,
                reserved__gte=qty,
                on_hand__gte=qty,
            ).update(on_hand=F("on_hand") - qty, reserved=F("reserved") - qty)
            if updated != 1:
                raise IllegalMove("The reserved quantity is no longer on record.")
            _journal(
                kind=Kind.SOLD,
                variant_id=reservation.variant_id,
                quantity=qty,
                location_id=reservation.location_id,
                now=now,
                actor=actor,
                reservation=reservation,
                reference=reference,
            )
        # No summary refresh: a held piece or quantity was already out of the available counts, and
        # price_from only looks at available pieces, so selling what was held changes neither.
    return reservation


def expire_reservations(*, now: datetime | None = None, limit: int = 1000) -> int:
    """The cleanup job: active reservations whose time is up are closed as expired and their stock
    is available again. Returns how many were expired (at most `limit` per run)."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            Reservation.objects.filter(state=Reservation.State.ACTIVE, expires_at__lte=now)
            .select_related("piece", "variant")
            .order_by("pk")[:limit]
        )
        # Lock order: all piece stock rows first, then quantity rows, then reservations one by one.
        locks.lock_piece_stock(r.piece_id for r in due if r.piece_id is not None)
        for variant_id in sorted({r.variant_id for r in due if r.variant_id is not None}):
            locks.lock_stock_levels(variant_id=variant_id)
        expired, style_ids = 0, set()
        for reservation in due:
            try:
                with transaction.atomic():
                    style_ids.add(
                        _release(reservation, state=Reservation.State.EXPIRED, now=now, actor=None, reason="expired")
                    )
                expired += 1
            except ReservationClosed:
                continue  # released or consumed meanwhile
        refresh_style_availability(style_ids=style_ids)
    return expired


def transfer_pieces(*, pieces: Sequence[Piece], to_location: Location, actor: Any = None, note: str = "") -> Transfer:
    """Ship available pieces from one location to another; they are in transit until received."""
    if not pieces:
        raise ValidationFailed("Choose at least one piece to transfer.", errors={"pieces": ["Required"]})
    if not to_location.is_active or to_location.kind == Location.Kind.IN_TRANSIT:
        raise ValidationFailed(
            "Pieces can only be sent to an active store or warehouse.",
            errors={"to_location": ["Not an active store or warehouse"]},
        )
    by_id = {p.pk: p for p in pieces}
    now = timezone.now()
    with transaction.atomic():
        stock = locks.lock_piece_stock(by_id)  # the whole set, in piece-id order
        for piece_id in sorted(by_id):
            row = stock.get(piece_id)
            if row is None or row.status != PieceStatus.AVAILABLE:
                raise _piece_error(by_id[piece_id], row.status if row else None, "transferred")
        origins = {row.location_id for row in stock.values()}
        if len(origins) != 1:
            raise ValidationFailed(
                "A transfer ships from one location; these pieces are in several.",
                errors={"pieces": ["Pieces are at different locations"]},
            )
        from_id = origins.pop()
        if from_id == to_location.pk:
            raise ValidationFailed("The pieces are already there.", errors={"to_location": ["Same as origin"]})
        updated = PieceStock.objects.filter(piece_id__in=list(by_id), status=PieceStatus.AVAILABLE).update(
            status=PieceStatus.IN_TRANSIT, updated_at=now
        )
        if updated != len(by_id):
            raise PieceUnavailable("Some pieces stopped being available; nothing was shipped.")
        transfer = Transfer.objects.create(
            from_location_id=from_id, to_location=to_location, created_at=now, created_by=_user(actor)
        )
        transfer.pieces.set(sorted(by_id))
        StockMovement.objects.bulk_create(
            StockMovement(
                at=now,
                kind=Kind.TRANSFER_OUT,
                piece_id=pid,
                location_id=from_id,
                counterpart=to_location,
                transfer=transfer,
                actor=_user(actor),
                note=note[:200],
                reference=f"T{transfer.pk}",
            )
            for pid in sorted(by_id)
        )
        payload = {
            "transfer_id": transfer.pk,
            "from_location_id": from_id,
            "to_location_id": to_location.pk,
            "piece_ids": sorted(by_id),
        }
        events.publish(names.TRANSFER_SHIPPED, payload, aggregate=f"inventory.transfer:{transfer.pk}")
        if actor is not None:
            record_change(
                actor=actor, action="inventory.transfer_shipped", obj=transfer, before=None, after=payload, reason=note
            )
        refresh_style_availability(style_ids={p.style_id for p in pieces})
    return transfer


def receive_transfer(*, transfer: Transfer, actor: Any = None) -> Transfer:
    """The destination received a transfer: its pieces are available there."""
    now = timezone.now()
    with transaction.atomic():
        piece_ids = sorted(transfer.pieces.values_list("pk", flat=True))
        locks.lock_piece_stock(piece_ids)
        if not Transfer.objects.filter(pk=transfer.pk, state=Transfer.State.IN_TRANSIT).update(
            state=Transfer.State.RECEIVED, received_at=now
        ):
            raise IllegalMove(f"Transfer T{transfer.pk} was already received.")
        updated = PieceStock.objects.filter(piece_id__in=piece_ids, status=PieceStatus.IN_TRANSIT).update(
            status=PieceStatus.AVAILABLE, location_id=transfer.to_location_id, updated_at=now
        )
        if updated != len(piece_ids):
            raise IllegalMove(f"Some pieces of transfer T{transfer.pk} are no longer in transit.")
        transfer.state, transfer.received_at = Transfer.State.RECEIVED, now
        StockMovement.objects.bulk_create(
            StockMovement(
                at=now,
                kind=Kind.TRANSFER_IN,
                piece_id=pid,
                location_id=transfer.to_location_id,
                counterpart_id=transfer.from_location_id,
                transfer=transfer,
                actor=_user(actor),
                reference=f"T{transfer.pk}",
            )
            for pid in piece_ids
        )
        payload = {
            "transfer_id": transfer.pk,
            "from_location_id": transfer.from_location_id,
            "to_location_id": transfer.to_location_id,
            "piece_ids": piece_ids,
        }
        events.publish(names.TRANSFER_RECEIVED, payload, aggregate=f"inventory.transfer:{transfer.pk}")
        if actor is not None:
            record_change(
                actor=actor,
                action="inventory.transfer_received",
                obj=transfer,
                before={"state": Transfer.State.IN_TRANSIT},
                after={"state": Transfer.State.RECEIVED},
            )
        style_ids = Piece.objects.filter(pk__in=piece_ids).values_list("style_id", flat=True).distinct()
        refresh_style_availability(style_ids=list(style_ids))
    return transfer


def _after_piece_move(
    *,
    piece: Piece,
    stock: PieceStock,
    event: str | None,
    payload: dict[str, Any],
    actor: Any,
    action: str,
    before_status: str,
    reason: str,
) -> None:
    """What follows a single-piece move, in its transaction: the event, the staff audit entry,
    and the style's listing summary."""
    if event is not None:
        events.publish(
            event, _piece_payload(piece, stock.location_id, **payload), aggregate=f"catalog.piece:{piece.pk}"
        )
    if actor is not None:
        record_change(
            actor=actor,
            action=action,
            obj=piece,
            before={"status": before_status},
            after={"status": stock.status},
            reason=reason,
        )
    refresh_style_availability(style_ids=[piece.style_id])


def return_piece(
    *, piece: Piece, location: Location | None = None, actor: Any = None, reference: str = ""
) -> PieceStock:
    """A sold piece comes back (return within 7 days, after-sales): available again, by default
    where it was sold."""
    if location is not None and (not location.is_active or location.kind == Location.Kind.IN_TRANSIT):
        raise ValidationFailed("Returns go to an active store or warehouse.", errors={"location": ["Not active"]})
    now = timezone.now()
    with transaction.atomic():
        stock = _move_piece(
            piece=piece,
            kind=Kind.RETURNED,
            action="returned",
            now=now,
            to_location_id=location.pk if location else None,
            actor=actor,
            reference=reference,
        )
        _after_piece_move(
            piece=piece,
            stock=stock,
            event=names.PIECE_RETURNED,
            payload={"reference": reference},
            actor=actor,
            action="inventory.piece_returned",
            before_status=PieceStatus.SOLD,
            reason=reference,
        )
    return stock


def quarantine_piece(*, piece: Piece, reason: str, actor: Any = None) -> PieceStock:
    """Take an available piece off sale for inspection (damage, doubt about a stone, QC)."""
    now = timezone.now()
    with transaction.atomic():
        stock = _move_piece(piece=piece, kind=Kind.QUARANTINED, action="quarantined", now=now, actor=actor, note=reason)
        _after_piece_move(
            piece=piece,
            stock=stock,
            event=names.PIECE_QUARANTINED,
            payload={"reason": reason},
            actor=actor,
            action="inventory.piece_quarantined",
            before_status=PieceStatus.AVAILABLE,
            reason=reason,
        )
    return stock


def release_from_quarantine(*, piece: Piece, reason: str, actor: Any = None) -> PieceStock:
    """A quarantined piece passed inspection and is available again (journal kind ADJUSTED)."""
    now = timezone.now()
    with transaction.atomic():
        stock = _move_piece(
            piece=piece, kind=Kind.ADJUSTED, action="released from quarantine", now=now, actor=actor, note=reason
        )
        _after_piece_move(
            piece=piece,
            stock=stock,
            event=None,
            payload={},
            actor=actor,
            action="inventory.piece_released_from_quarantine",
            before_status=PieceStatus.QUARANTINED,
            reason=reason,
        )
    return stock


def hold_for_inspection(*, piece: Piece, reference: str, actor: Any = None) -> PieceStock:
    """An available piece drawn for a spot check is off sale while it is inspected."""
    return _inspection_move(piece, Kind.INSPECTION_HOLD, PieceStatus.AVAILABLE, reference, actor)


def pass_inspection(*, piece: Piece, reference: str, actor: Any = None) -> PieceStock:
    """A piece passed the inspection it was held (or quarantined) for: sellable again."""
    return _inspection_move(piece, Kind.INSPECTION_PASSED, None, reference, actor)


def fail_inspection(*, piece: Piece, reference: str, actor: Any = None) -> PieceStock:
    """A piece failed an inspection: quarantined until a later inspection passes."""
    return _inspection_move(piece, Kind.INSPECTION_FAILED, None, reference, actor)


def _inspection_move(piece: Piece, kind: str, before: str | None, reference: str, actor: Any) -> PieceStock:
    """One quality-gate move, with the audit entry and the listing summary of `_after_piece_move`."""
    now = timezone.now()
    with transaction.atomic():
        previous = locks.lock_piece_stock([piece.pk]).get(piece.pk)
        before_status = previous.status if previous else (before or "")
        stock = _move_piece(
            piece=piece,
            kind=kind,
            action=str(Kind(kind).label),
            now=now,
            locked=previous,
            actor=actor,
            reference=reference,
        )
        _after_piece_move(
            piece=piece,
            stock=stock,
            event=names.PIECE_QUARANTINED if kind == Kind.INSPECTION_FAILED else None,
            payload={"reason": reference},
            actor=actor,
            action=f"inventory.{kind}",
            before_status=before_status,
            reason=reference,
        )
    return stock


def replay_piece_state(piece: Piece) -> tuple[int, str] | None:
    """(location_id, status) recomputed from the journal alone; None if it never entered stock.

    Raises IllegalMove if the journal holds a transition the state machine forbids.
    """
    state: tuple[int, str] | None = None
    for kind, location_id in (
        StockMovement.objects.filter(piece_id=piece.pk).order_by("pk").values_list("kind", "location_id")
    ):
        allowed, target = PIECE_TRANSITIONS[kind]
        if (state[1] if state else None) not in allowed:
            raise IllegalMove(f"Journal of {piece.serial_number}: {kind} after {state}.")
        state = (location_id, target)
    return state


# --- Quantity goods ---------------------------------------------------------------------------
def _check_quantity(variant: Variant, quantity: int) -> None:
    if variant.is_serialized:
        raise ValidationFailed("Serialized variants are stocked piece by piece.", errors={"variant": ["Serialized"]})
    if quantity <= 0:
        raise ValidationFailed("Quantity must be positive.", errors={"quantity": ["Must be at least 1"]})


def receive_quantity(
    *, variant: Variant, location: Location, quantity: int, actor: Any = None, reference: str = ""
) -> StockLevel:
    """Units of a non-serialized variant arrive at a location."""
    _check_quantity(variant, quantity)
    if not location.is_active or location.kind == Location.Kind.IN_TRANSIT:
        raise ValidationFailed(
            "Stock can only be received at an active store or warehouse.",
            errors={"location": ["Not an active store or warehouse"]},
        )
    now = timezone.now()
    with transaction.atomic():
        level, _ = StockLevel.objects.get_or_create(variant=variant, location=location)
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + quantity)
        _journal(
            kind=Kind.RECEIVED,
            variant_id=variant.pk,
            quantity=quantity,
            location_id=location.pk,
            now=now,
            actor=actor,
            reference=reference,
        )
        refresh_style_availability(style_ids=[variant.style_id])
        level.refresh_from_db()
    return level


def reserve_quantity(
    *,
    variant: Variant,
    quantity: int,
    reference: str,
    location: Location | None = None,
    until: datetime | None = None,
    actor: Any = None,
) -> Reservation:
    """Hold units of a variant at a location (or, without one, at the first online location that
    has enough). Raises InsufficientStock; stock never goes below zero."""
    _check_quantity(variant, quantity)
    if not reference.strip():
        raise ValidationFailed("A reservation needs a reference.", errors={"reference": ["Required"]})
    now = timezone.now()
    expires_at = _expires(until, now)
    if location is not None:
        candidates = [location.pk]
    else:
        candidates = list(
            StockLevel.objects.filter(variant=variant, location__sells_online=True, location__is_active=True)
            .order_by("location_id")
            .values_list("location_id", flat=True)
        )
    with transaction.atomic():
        for location_id in candidates:
            # The guard: only succeeds while on_hand - reserved >= quantity, atomically.
            if StockLevel.objects.filter(
                variant=variant, location_id=location_id, on_hand__gte=F("reserved") + quantity
            ).update(reserved=F("reserved") + quantity):
                break
        else:
            raise InsufficientStock(
                f"Fewer than {quantity} of {variant.sku} are available.", variant_id=variant.pk, quantity=quantity
            )
        reservation = Reservation.objects.create(
            variant=variant,
            location_id=location_id,
            quantity=quantity,
            reference=reference[:60],
            created_at=now,
            expires_at=expires_at,
        )
        _journal(
            kind=Kind.RESERVED,
            variant_id=variant.pk,
            quantity=quantity,
            location_id=location_id,
            now=now,
            actor=actor,
            reference=reference,
            reservation=reservation,
        )
        refresh_style_availability(style_ids=[variant.style_id])
    return reservation


# Quantity reservations are released and sold by the same services as piece reservations.
release_quantity = release_reservation
consume_quantity = consume_reservation
