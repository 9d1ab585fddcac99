"""Warranty use cases: issue and cancel cards, re-bind them on resale, book services and move them
through intake, work and return, and redeem entitlements exactly once.

Every function takes keyword arguments, runs in one service transaction and raises a domain error
(`auric.core.errors`) on bad input before it writes anything. Every issue, cancellation,
redemption and performed service is a signed provenance statement — issue and cancellation by the
platform, a service and its redemption by the store that did it — carrying the card's hash, kinds,
dates and weights, never a name or an account.

Locks, always in this order: the card row (booking, cancelling, re-binding), then the entitlement
row (redeeming), then the service request row (moves are conditional updates on its state).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Piece
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.core.transactions import service_transaction
from auric.inventory.models import Location
from auric.orders.models import Order, OrderLine
from auric.provenance import services as provenance
from auric.provenance.events import location_party
from auric.provenance.statements import canonical, utc_timestamp
from auric.warranty.models import (
    CardEntitlement,
    Redemption,
    ServicePhoto,
    ServiceRequest,
    TermsEntitlement,
    WarrantyCard,
    WarrantyTerms,
)
from auric.warranty.states import OPEN_STATES, CardStatus, Channel, Period, ServiceKind, ServiceState, can_move
from auric.warranty.terms import add_months, card_year

CARD_DOCUMENT_VERSION = 1
# Bookings reach this far ahead; a date in the past is refused.
BOOKING_HORIZON_DAYS = 90
# A weighed piece: more than nothing, at most this, with at most 3 decimals (grams) …
MAX_WEIGHT_G = Decimal("5000.000")
# … and within this band of the weight the piece was sold with (a resize or repair adds or removes
# a little metal, never half the piece).
WEIGHT_BAND = (Decimal("0.5"), Decimal("2"))
MAX_PHOTOS = 6
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"RIFF")


class CardNotFound(NotFound):
    code = "warranty_card_not_found"
    title = gettext_noop("No such warranty card")


class BookingNotFound(NotFound):
    code = "service_request_not_found"
    title = gettext_noop("No such service booking")


class CardCancelled(Conflict):
    code = "warranty_card_cancelled"
    title = gettext_noop("The warranty card is cancelled")


class NotCovered(Conflict):
    code = "not_covered"
    title = gettext_noop("The warranty does not cover this service")


class NothingLeft(Conflict):
    code = "entitlement_used_up"
    title = gettext_noop("This free service has been used up")


class AlreadyRedeemed(Conflict):
    code = "already_redeemed"
    title = gettext_noop("This service has redeemed its entitlement already")


class IllegalServiceMove(Conflict):
    code = "illegal_service_transition"
    title = gettext_noop("The service booking cannot make this step now")


def _number(prefix: str) -> str:
    """A short public reference: the prefix and 12 characters of Crockford-style base32."""
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    return prefix + "".join(secrets.choice(alphabet) for _ in range(12))


# --- terms and the card document ------------------------------------------------------------------


def terms_for(piece: Piece) -> WarrantyTerms | None:
    """The active terms of the piece's category, else of its nearest parent category, else the default."""
    slugs: list[str] = []
    category: Any = piece.style.category
    seen: set[int] = set()
    while category is not None and category.pk not in seen:
        seen.add(category.pk)
        slugs.append(category.slug)
        category = category.parent
    slugs.append("")
    found = {t.category_slug: t for t in WarrantyTerms.objects.filter(is_active=True, category_slug__in=slugs)}
    return next((found[slug] for slug in slugs if slug in found), None)


def terms_snapshot(terms: WarrantyTerms, *, metal: str) -> dict[str, Any]:
    """The terms as a card keeps them: only the entitlements that apply to the piece's metal."""
    entitlements: list[TermsEntitlement] = sorted(
        (e for e in terms.entitlements.all() if not e.metal or e.metal == metal), key=lambda e: (e.kind, e.metal)
    )
    chosen: dict[str, TermsEntitlement] = {}
    for entitlement in entitlements:
        # A metal-specific line wins over the general one of the same kind.
        if entitlement.kind not in chosen or entitlement.metal:
            chosen[entitlement.kind] = entitlement
    return {
        "name": terms.name,
        "name_en": terms.name_en,
        "category": terms.category_slug,
        "duration_months": terms.duration_months,
        "entitlements": [
            {
                "kind": e.kind,
                "allowance": e.allowance,
                "period": e.period,
                "months": None if e.lifetime else (e.months or terms.duration_months),
            }
            for e in chosen.values()
        ],
    }


def card_document(card: WarrantyCard) -> dict[str, Any]:
    """What the card's hash covers: no holder, no order, no personal data."""
    return {
        "version": CARD_DOCUMENT_VERSION,
        "card": card.number,
        "piece": card.piece_public_id,
        "terms": card.terms,
        "starts_at": utc_timestamp(card.starts_at),
        "ends_at": utc_timestamp(card.ends_at) if card.ends_at else None,
    }


def card_hash(card: WarrantyCard) -> str:
    return hashlib.sha256(canonical(card_document(card))).hexdigest()


# --- issuing, cancelling, re-binding --------------------------------------------------------------


def _entitlement_end(starts_at: datetime, months: int | None) -> datetime | None:
    return None if months is None else add_months(starts_at, months)


def _issue_card(line: OrderLine, piece: Piece, *, holder_id: int, starts_at: datetime) -> WarrantyCard | None:
    terms = terms_for(piece)
    if terms is None:
        return None  # no terms configured at all: no card (the operator guide says to keep a default)
    snapshot = terms_snapshot(terms, metal=piece.variant.metal)
    ends = [_entitlement_end(starts_at, e["months"]) for e in snapshot["entitlements"]]
    card = WarrantyCard(
        number=_number("W"),
        piece=piece,
        order_line=line,
        holder_id=holder_id,
        piece_public_id=provenance.piece_public_id(piece),
        starts_at=starts_at,
        ends_at=None if None in ends or not ends else max(e for e in ends if e is not None),
        terms=snapshot,
        issued_at=timezone.now(),
    )
    card.card_sha256 = card_hash(card)
    card.save()
    CardEntitlement.objects.bulk_create(
        [
            CardEntitlement(
                card=card,
                kind=e["kind"],
                allowance=e["allowance"],
                period=e["period"],
                starts_at=starts_at,
                ends_at=_entitlement_end(starts_at, e["months"]),
            )
            for e in snapshot["entitlements"]
        ]
    )
    provenance.record(
        "warranty.issued",
        party_id=provenance.PLATFORM,
        piece=card.piece_public_id,
        data={
            "card": card.card_sha256,
            "until": utc_timestamp(card.ends_at) if card.ends_at else None,
            "entitlements": sorted(e["kind"] for e in snapshot["entitlements"]),
        },
        source=f"warranty:{card.number}:issued",
        at=starts_at,
    )
    return card


def issue_cards_for_order(*, order_id: int) -> list[WarrantyCard]:
    """A card for each piece of a paid order, bound to its buyer; cards issued before are kept
    (redelivery issues nothing twice). Returns the order's cards."""
    with service_transaction():
        order = Order.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.user_id is None or order.paid_at is None:
            return []
        lines = OrderLine.objects.filter(order=order, piece__isnull=False).select_related(
            "piece__style__category__parent", "piece__variant"
        )
        issued: dict[tuple[int, int | None], WarrantyCard] = {
            (c.order_line_id, c.piece_id): c for c in WarrantyCard.objects.filter(order_line__order=order)
        }
        cards = []
        for line in lines:
            assert line.piece is not None
            card = issued.get((line.pk, line.piece_id)) or _issue_card(
                line, line.piece, holder_id=order.user_id, starts_at=order.paid_at
            )
            if card is not None:
                cards.append(card)
        return cards


def _cancel_card(card: WarrantyCard, *, reason: str, now: datetime) -> None:
    card.status, card.cancelled_at, card.cancel_reason = CardStatus.CANCELLED, now, reason[:40]
    card.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    for booking in card.service_requests.filter(state=ServiceState.BOOKED):
        _move(booking, ServiceState.CANCELLED, cancelled_at=now)
    provenance.record(
        "warranty.cancelled",
        party_id=provenance.PLATFORM,
        piece=card.piece_public_id,
        data={"card": card.card_sha256, "reason": reason[:40]},
        source=f"warranty:{card.number}:cancelled",
        at=now,
    )


def cancel_cards_for_order(*, order_id: int, reason: str = "refunded") -> list[WarrantyCard]:
    """Cancel the order's active cards (a full refund); their booked, not yet received services too."""
    with service_transaction():
        now = timezone.now()
        cards = list(
            WarrantyCard.objects.select_for_update()
            .filter(order_line__order_id=order_id, status=CardStatus.ACTIVE)
            .order_by("pk")
        )
        for card in cards:
            _cancel_card(card, reason=reason, now=now)
        return cards


def cancel_cards_of_returned_piece(*, piece_id: int) -> list[WarrantyCard]:
    """A piece taken back (a return, a buyback) takes its warranty with it."""
    with service_transaction():
        now = timezone.now()
        cards = list(
            WarrantyCard.objects.select_for_update().filter(piece_id=piece_id, status=CardStatus.ACTIVE).order_by("pk")
        )
        for card in cards:
            _cancel_card(card, reason="returned", now=now)
        return cards


def transfer_cards(*, piece_id: int, owner_id: int) -> list[WarrantyCard]:
    """A resold piece's remaining warranty follows it to its new owner. The previous owner's services
    still only booked are cancelled (their free uses come back to the card)."""
    with service_transaction():
        cards = list(
            WarrantyCard.objects.select_for_update().filter(piece_id=piece_id, status=CardStatus.ACTIVE).order_by("pk")
        )
        now = timezone.now()
        for card in cards:
            if card.holder_id == owner_id:
                continue
            for booking in card.service_requests.filter(state=ServiceState.BOOKED):
                _move(booking, ServiceState.CANCELLED, cancelled_at=now)
            card.holder_id = owner_id
            card.save(update_fields=["holder"])
        return cards


# --- entitlements ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntitlementLeft:
    kind: str
    allowance: int | None  # None: as often as needed
    period: str
    used: int  # in the current period
    left: int | None
    ends_at: datetime | None


def _moment_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _period_of(entitlement: CardEntitlement, moment: datetime) -> int:
    return card_year(entitlement.starts_at, moment) if entitlement.period == Period.PER_YEAR else 0


def entitlements_left(card: WarrantyCard, *, at: datetime | None = None) -> list[EntitlementLeft]:
    """Each entitlement of the card with what is left of it now (cancelled card: nothing)."""
    moment = at or timezone.now()
    entitlements = list(card.entitlements.all())
    counts = {
        (int(row["entitlement_id"]), int(row["period_index"])): int(row["n"])
        for row in Redemption.objects.filter(entitlement__card=card, voided_at__isnull=True)
        .values("entitlement_id", "period_index")
        .annotate(n=Count("id"))
    }
    result = []
    for e in entitlements:
        used = counts.get((int(e.pk), _period_of(e, moment)), 0)
        live = card.status == CardStatus.ACTIVE and (e.ends_at is None or e.ends_at > moment)
        left = None if e.allowance is None else max(0, e.allowance - used)
        result.append(
            EntitlementLeft(
                kind=e.kind,
                allowance=e.allowance,
                period=e.period,
                used=used,
                left=(left if live else 0),
                ends_at=e.ends_at,
            )
        )
    return result


def _redeem(booking: ServiceRequest, *, moment: datetime) -> Redemption:
    """Consume one use of the entitlement the booking's kind names (caller holds the card lock)."""
    if Redemption.objects.filter(service_request=booking).exists():
        raise AlreadyRedeemed(f"Service {booking.reference} has redeemed its entitlement already")
    entitlement = CardEntitlement.objects.select_for_update().filter(card_id=booking.card_id, kind=booking.kind).first()
    if entitlement is None:
        raise NotCovered(f"The warranty does not include {booking.kind}")
    if entitlement.starts_at > moment or (entitlement.ends_at is not None and entitlement.ends_at <= moment):
        raise NotCovered(f"The free {booking.kind} is not valid on {moment.date().isoformat()}")
    period = _period_of(entitlement, moment)
    taken = set(
        Redemption.objects.filter(entitlement=entitlement, period_index=period, voided_at__isnull=True).values_list(
            "slot", flat=True
        )
    )
    if entitlement.allowance is not None and len(taken) >= entitlement.allowance:
        raise NothingLeft(f"The free {booking.kind} has been used up for this period")
    slot = min(set(range(1, len(taken) + 2)) - taken)
    try:
        with transaction.atomic():
            return Redemption.objects.create(
                entitlement=entitlement, service_request=booking, period_index=period, slot=slot
            )
    except IntegrityError as error:  # a concurrent redemption took the slot or the booking
        if Redemption.objects.filter(service_request=booking).exists():
            raise AlreadyRedeemed(f"Service {booking.reference} has redeemed its entitlement already") from error
        raise NothingLeft(f"The free {booking.kind} has been used up for this period") from error


def redeem(*, reference: str) -> Redemption:
    """Redeem the entitlement for an open, chargeable booking (exactly once: twice → AlreadyRedeemed;
    none left → NothingLeft). A booking is redeemed when it is made if its service is covered."""
    with service_transaction():
        booking = ServiceRequest.objects.filter(reference=reference).first()
        if booking is None:
            raise BookingNotFound(f"No service booking {reference}")
        card = WarrantyCard.objects.select_for_update().get(pk=booking.card_id)
        booking.refresh_from_db()
        if card.status != CardStatus.ACTIVE:
            raise CardCancelled(f"Card {card.number} is cancelled")
        if booking.state not in OPEN_STATES:
            raise IllegalServiceMove(f"Service {reference} is {booking.state}")
        redemption = _redeem(booking, moment=_moment_of(booking.requested_on))
        ServiceRequest.objects.filter(pk=booking.pk).update(chargeable=False)
        return redemption


# --- bookings ----------------------------------------------------------------------------------------


def _store(location_id: Any) -> Location | None:
    if not isinstance(location_id, int) or isinstance(location_id, bool) or not 0 < location_id < 2**63:
        return None
    return Location.objects.filter(pk=location_id, kind=Location.Kind.STORE, is_active=True).first()


def book_service(
    *,
    user: Any,
    card_number: str,
    kind: str,
    channel: str,
    location_id: int,
    requested_on: date,
    note: str = "",
) -> ServiceRequest:
    """Book a service of a piece whose card the user holds, at a store or by mail to it. Covered by
    an entitlement with a use left: free (the use is held for this booking); otherwise chargeable."""
    errors: dict[str, list[str]] = {}
    if kind not in ServiceKind.values:
        errors["kind"] = [f"one of {', '.join(ServiceKind.values)}"]
    if channel not in Channel.values:
        errors["channel"] = [f"one of {', '.join(Channel.values)}"]
    store = _store(location_id)
    if store is None:
        errors["store"] = ["not a store that takes services"]
    today = timezone.localdate()
    if not isinstance(requested_on, date) or isinstance(requested_on, datetime):
        errors["date"] = ["a date"]
    elif requested_on < today:
        errors["date"] = ["in the past"]
    elif requested_on > today + timedelta(days=BOOKING_HORIZON_DAYS):
        errors["date"] = [f"at most {BOOKING_HORIZON_DAYS} days ahead"]
    if len(note) > 300 or "\x00" in note:
        errors["note"] = ["at most 300 characters"]
    if errors:
        raise ValidationFailed("The booking is not valid", errors=errors)
    with service_transaction():
        card = WarrantyCard.objects.select_for_update().filter(number=card_number, holder=user).first()
        if card is None or user is None or not getattr(user, "is_authenticated", False):
            raise CardNotFound(f"You hold no warranty card {card_number}")
        if card.status != CardStatus.ACTIVE:
            raise CardCancelled(f"Card {card.number} is cancelled")
        assert store is not None
        booking = ServiceRequest.objects.create(
            reference=_number("S"),
            card=card,
            booked_by=user,
            kind=kind,
            channel=channel,
            location=store,
            requested_on=requested_on,
            note=note,
        )
        try:
            _redeem(booking, moment=_moment_of(requested_on))
        except (NotCovered, NothingLeft):
            booking.chargeable = True
            booking.save(update_fields=["chargeable"])
        return booking


def _move(booking: ServiceRequest, to: str, **fields: Any) -> ServiceRequest:
    """One step of the state machine, a conditional update on the state the caller saw."""
    source = booking.state
    if not can_move(source, to):
        raise IllegalServiceMove(f"A service that is {source} cannot become {to}")
    if ServiceRequest.objects.filter(pk=booking.pk, state=source).update(state=to, **fields) != 1:
        current = ServiceRequest.objects.filter(pk=booking.pk).values_list("state", flat=True).first()
        raise IllegalServiceMove(f"The service changed meanwhile: it is now {current}")
    if to == ServiceState.CANCELLED:
        Redemption.objects.filter(service_request=booking, voided_at__isnull=True).update(voided_at=timezone.now())
    booking.state = to
    for name, value in fields.items():
        setattr(booking, name, value)
    return booking


def _booking(reference: str, *, holder: Any = None) -> ServiceRequest:
    query = ServiceRequest.objects.select_related("card__piece", "location").filter(reference=reference)
    if holder is not None:
        query = query.filter(card__holder=holder)
    booking = query.first()
    if booking is None:
        raise BookingNotFound(f"No service booking {reference}")
    return booking


def cancel_booking(*, reference: str, user: Any = None) -> ServiceRequest:
    """Cancel a booking not yet received: by the card's holder (`user`), or by staff (no user). A
    held free use comes back to the card."""
    with service_transaction():
        if user is not None and not getattr(user, "is_authenticated", False):
            raise BookingNotFound(f"No service booking {reference}")
        booking = _booking(reference, holder=user)
        WarrantyCard.objects.select_for_update().filter(pk=booking.card_id).first()
        booking.refresh_from_db()
        if booking.state != ServiceState.BOOKED:
            raise IllegalServiceMove(f"Service {reference} is {booking.state}: it can no longer be cancelled")
        return _move(booking, ServiceState.CANCELLED, cancelled_at=timezone.now())


def parse_weight(value: Any, *, field: str, piece: Piece) -> Decimal:
    """Grams with at most 3 decimals, positive, at most MAX_WEIGHT_G and near the piece's weight."""
    if isinstance(value, float):
        value = repr(value)
    try:
        weight = Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as error:
        raise ValidationFailed("A weight is a number of grams", errors={field: ["a number of grams"]}) from error
    problem = ""
    if not weight.is_finite() or weight <= 0:
        problem = "more than 0 g"
    elif weight > MAX_WEIGHT_G:
        problem = f"at most {MAX_WEIGHT_G} g"
    elif weight.as_tuple().exponent < -3:  # type: ignore[operator]
        problem = "at most 3 decimals (grams to the milligram)"
    elif not piece.weight_g * WEIGHT_BAND[0] <= weight <= piece.weight_g * WEIGHT_BAND[1]:
        problem = f"far from the piece's recorded {piece.weight_g} g"
    if problem:
        raise ValidationFailed(f"The weight is not valid: {problem}", errors={field: [problem]})
    return weight.quantize(Decimal("0.001"))


def _photo_rows(photos: Sequence[UploadedFile]) -> list[tuple[UploadedFile, str]]:
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed("Too many photos", errors={"photos": [f"at most {MAX_PHOTOS}"]})
    rows = []
    for photo in photos:
        if photo.size is None or photo.size > MAX_PHOTO_BYTES:
            raise ValidationFailed("A photo is too large", errors={"photos": ["at most 5 MB each"]})
        head = photo.read(16)
        photo.seek(0)
        if not head.startswith(PHOTO_MAGIC):
            raise ValidationFailed("A photo is not an image", errors={"photos": ["JPEG, PNG or WebP"]})
        digest = hashlib.sha256()
        for chunk in photo.chunks():
            digest.update(chunk)
        photo.seek(0)
        rows.append((photo, digest.hexdigest()))
    return rows


def record_intake(
    *, reference: str, weight_in_g: Any, actor: Any = None, photos: Sequence[UploadedFile] = ()
) -> ServiceRequest:
    """The store receives the piece (over the counter or by mail): weighed in, photographed if wanted."""
    booking = _booking(reference)
    weight = parse_weight(weight_in_g, field="weight_in_g", piece=booking.card.piece)
    checked = _photo_rows(photos)
    with service_transaction():
        moved = _move(
            booking,
            ServiceState.RECEIVED,
            received_at=timezone.now(),
            weight_in_g=weight,
            received_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for photo, digest in checked:
            ServicePhoto.objects.create(service_request=booking, image=photo, sha256=digest)
        return moved


def start_work(*, reference: str, actor: Any = None) -> ServiceRequest:
    booking = _booking(reference)
    with service_transaction():
        return _move(booking, ServiceState.IN_WORK, work_started_at=timezone.now())


def record_return(*, reference: str, weight_out_g: Any, actor: Any = None, staff_note: str = "") -> ServiceRequest:
    """The piece goes back to its holder, weighed out. The store signs the performed service (and the
    redemption it used) in the provenance log: kinds, weights in and out, the card's hash."""
    booking = _booking(reference)
    weight = parse_weight(weight_out_g, field="weight_out_g", piece=booking.card.piece)
    if len(staff_note) > 300 or "\x00" in staff_note:
        raise ValidationFailed("The note is too long", errors={"staff_note": ["at most 300 characters"]})
    with service_transaction():
        now = timezone.now()
        moved = _move(
            booking,
            ServiceState.RETURNED,
            returned_at=now,
            weight_out_g=weight,
            staff_note=staff_note,
            returned_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        card = booking.card
        party = location_party(booking.location_id)
        redemption = Redemption.objects.filter(service_request=booking, voided_at__isnull=True).first()
        provenance.record(
            "service.performed",
            party_id=party,
            piece=card.piece_public_id,
            data={
                "service": booking.kind,
                "location": party,
                "card": card.card_sha256,
                "covered": redemption is not None,
                "weight_in_g": format(booking.weight_in_g, "f"),
                "weight_out_g": format(weight, "f"),
            },
            source=f"service:{booking.reference}:performed",
            at=now,
        )
        if redemption is not None:
            Redemption.objects.filter(pk=redemption.pk).update(performed_at=now)
            provenance.record(
                "warranty.redeemed",
                party_id=party,
                piece=card.piece_public_id,
                data={
                    "card": card.card_sha256,
                    "service": booking.kind,
                    "location": party,
                    "period": redemption.period_index,
                    "use": redemption.slot,
                },
                source=f"warranty:redemption:{redemption.pk}",
                at=now,
            )
        return moved


# --- reads for pages and the API ------------------------------------------------------------------


def cards_of(user: Any) -> list[WarrantyCard]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    return list(
        WarrantyCard.objects.filter(holder=user)
        .select_related("piece__style", "piece__variant")
        .prefetch_related("entitlements")
        .order_by("-issued_at", "-id")
    )


def bookings_of(user: Any, *, states: Iterable[str] | None = None) -> list[ServiceRequest]:
    if user is None or not getattr(user, "is_authenticated", False):
        return []
    query = ServiceRequest.objects.filter(card__holder=user).select_related("card__piece", "location")
    if states is not None:
        query = query.filter(Q(state__in=list(states)))
    return list(query.order_by("-booked_at", "-id"))
