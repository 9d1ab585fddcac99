"""The shopper's warranty: my cards (with what is left of each entitlement), my service bookings,
booking a service and cancelling a booking.

Holder only: another shopper's card or booking answers 404, exactly like one that does not exist.
Staff work (intake, work, return) happens in the back office (auric/warranty/admin.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status

from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, DecimalStr, errors, text
from auric.warranty import services
from auric.warranty.models import ServiceRequest, WarrantyCard
from auric.warranty.states import ServiceState

router = Router(tags=["warranty"])

CARD_PATTERN = r"^W[0-9A-Z]{12}$"
BOOKING_PATTERN = r"^S[0-9A-Z]{12}$"
CardNumber = Path(..., pattern=CARD_PATTERN, description="The warranty card's number")
BookingReference = Path(..., pattern=BOOKING_PATTERN, description="The service booking's reference")
Kind = Literal["cleaning", "repair", "resize", "re_polish", "re_plating", "certificate_recheck"]


def _auth(request: HttpRequest) -> Any:
    """The user the API auth put on the request."""
    return getattr(request, "auth", None)


class EntitlementOut(Schema):
    kind: str
    allowance: int | None = Field(..., description="Free services per period; null: as often as needed")
    period: str = Field(..., description="per_year (card year, from the start date) or total")
    used: int = Field(..., description="Used or held by a booking in the current period")
    left: int | None = Field(..., description="Left now; null: as often as needed")
    ends_at: dt.datetime | None = Field(..., description="null: for life")


class CardOut(Schema):
    number: str
    piece: str = Field(..., description="The piece's public id in the provenance log")
    title: str
    serial: str
    status: str = Field(..., description="active, cancelled, or expired (by date)")
    terms: str
    starts_at: dt.datetime
    ends_at: dt.datetime | None
    card_sha256: str = Field(..., description="SHA-256 of the card's canonical JSON (RFC 8785), as logged")
    entitlements: list[EntitlementOut]


class StoreRef(Schema):
    id: int
    name: str


class BookingOut(Schema):
    reference: str
    card: str
    piece: str
    kind: str
    channel: str
    store: StoreRef
    requested_on: dt.date
    state: str
    chargeable: bool = Field(..., description="No entitlement covers it: the shopper pays")
    note: str
    booked_at: dt.datetime
    received_at: dt.datetime | None
    returned_at: dt.datetime | None
    weight_in_g: DecimalStr | None = Field(None, description="Weighed at intake (grams)")
    weight_out_g: DecimalStr | None = Field(None, description="Weighed at return (grams)")


class BookingIn(Schema):
    card: str = Field(..., pattern=CARD_PATTERN, description="The number of a card you hold")
    kind: Kind
    channel: Literal["store", "mail_in"] = Field(..., description="Bring it to the store, or mail it there")
    store_id: int = Field(..., ge=1, le=2**63 - 1, description="An active store")
    date: dt.date = Field(..., description="The day you bring or send it: today up to 90 days ahead")
    note: str = text(300)


def card_out(card: WarrantyCard) -> CardOut:
    return CardOut(
        number=card.number,
        piece=card.piece_public_id,
        title=card.piece.style.title,
        serial=card.piece.serial_number,
        status=card.status_on(),
        terms=str(card.terms.get("name", "")),
        starts_at=card.starts_at,
        ends_at=card.ends_at,
        card_sha256=card.card_sha256,
        entitlements=[
            EntitlementOut(
                kind=e.kind, allowance=e.allowance, period=e.period, used=e.used, left=e.left, ends_at=e.ends_at
            )
            for e in services.entitlements_left(card)
        ],
    )


def booking_out(booking: ServiceRequest) -> BookingOut:
    return BookingOut(
        reference=booking.reference,
        card=booking.card.number,
        piece=booking.card.piece_public_id,
        kind=booking.kind,
        channel=booking.channel,
        store=StoreRef(id=booking.location_id, name=booking.location.name),
        requested_on=booking.requested_on,
        state=booking.state,
        chargeable=booking.chargeable,
        note=booking.note,
        booked_at=booking.booked_at,
        received_at=booking.received_at,
        returned_at=booking.returned_at,
        weight_in_g=booking.weight_in_g,
        weight_out_g=booking.weight_out_g,
    )


@router.get(
    "/warranty/cards", response={200: list[CardOut], **READ_ERRORS, **errors(401)}, auth=API_AUTH, summary="My cards"
)
def my_cards(request: HttpRequest) -> list[CardOut]:
    return [card_out(card) for card in services.cards_of(_auth(request))]


@router.get(
    "/warranty/cards/{number}",
    response={200: CardOut, **READ_ERRORS, **errors(401, 404)},
    auth=API_AUTH,
    summary="One of my cards",
)
def my_card(request: HttpRequest, number: str = CardNumber) -> CardOut:
    card = next((c for c in services.cards_of(_auth(request)) if c.number == number), None)
    if card is None:
        raise services.CardNotFound(f"You hold no warranty card {number}")
    return card_out(card)


@router.get(
    "/warranty/bookings",
    response={200: list[BookingOut], **READ_ERRORS, **errors(401)},
    auth=API_AUTH,
    summary="My service bookings",
)
def my_bookings(request: HttpRequest) -> list[BookingOut]:
    return [booking_out(b) for b in services.bookings_of(_auth(request))]


@router.post(
    "/warranty/bookings",
    response={201: BookingOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Book a service of a piece I hold (201; chargeable when no entitlement covers it)",
)
def book(request: HttpRequest, payload: BookingIn) -> Any:
    booking = services.book_service(
        user=_auth(request),
        card_number=payload.card,
        kind=payload.kind,
        channel=payload.channel,
        location_id=payload.store_id,
        requested_on=payload.date,
        note=payload.note,
    )
    fresh = services.bookings_of(_auth(request), states=[ServiceState.BOOKED])
    return Status(201, booking_out(next(b for b in fresh if b.pk == booking.pk)))


@router.post(
    "/warranty/bookings/{reference}/cancel",
    response={204: None, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Cancel my booking before the store has received the piece (204)",
)
def cancel(request: HttpRequest, reference: str = BookingReference) -> Any:
    services.cancel_booking(reference=reference, user=_auth(request))
    return Status(204, None)
