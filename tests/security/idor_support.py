"""What the IDOR tests need: two shoppers and two stores, each with their own objects of every kind
an object endpoint names, the callers (bearer token, browser session, store staff, franchisee), and
a snapshot of every table those endpoints could change."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from auric.accounts.models import PasskeyCredential, User
from auric.accounts.roles import FRANCHISEE, OPERATOR, STORE_STAFF, ensure_roles
from auric.accounts.services import issue_api_token
from auric.catalog.models import Style
from auric.checkout import services as checkout
from auric.checkout.models import CartLine
from auric.checkout.shipping import DeliveryChoice
from auric.inventory.models import Franchise, Location, PieceStock, Reservation, StockLevel, StockMovement, Transfer
from auric.inventory.services import receive_quantity, transfer_pieces
from auric.orders import returns
from auric.orders.models import Order, ReturnRequest
from auric.orders.services import move_order, place_order
from auric.orders.states import State
from auric.payments.models import Payment
from auric.payments.services import start_payment
from auric.payments.webhooks import deliver_sandbox_callback
from auric.quality.models import Gate, Inspection, Supplier
from auric.warranty.models import BuybackQuote, ServiceRequest
from tests.checkout.conftest import stocked_piece
from tests.factories import LocationFactory, StyleFactory, UserFactory, VariantFactory

# Every table an object endpoint could write to, read at the start and the end of a test.
SNAPSHOT_APPS = (
    "accounts",
    "checkout",
    "orders",
    "payments",
    "inventory",
    "core",
    "privacy",
    "risk",
    "auth",
    "warranty",
    "quality",
)
# Written by authentication itself, not by the endpoint called.
VOLATILE_FIELDS = frozenset({"last_used_at", "last_login"})
# The rows of a store that `make_party` makes, one per store-scoped back-office model.
STORE_OBJECT_MODELS = (
    Order,
    Location,
    Franchise,
    PieceStock,
    StockMovement,
    Reservation,
    StockLevel,
    Transfer,
    ServiceRequest,
    Inspection,
    BuybackQuote,
)


@dataclass
class Party:
    """A shopper and what they own; their pickup orders are at their own store."""

    user: User
    token: str
    store: Location
    franchise: Franchise
    passkey: PasskeyCredential
    cart_line: CartLine
    pending_order: Order
    payment: Payment
    collected_order: Order
    return_request: ReturnRequest
    owned_piece: str = ""  # the public provenance id of a piece the shopper owns
    warranty_card: str = ""  # the number of the warranty card of the collected order's piece
    inspection: int = 0  # an open inbound inspection at the party's store
    supplier: str = ""  # the code of a supplier (staff data: the buying office's)
    service_booking: str = ""  # the reference of a service booked with that card
    buyback_quote: str = ""  # an (expired) buyback quote for the owned piece
    guarantee_claim: str = ""  # a guarantee claim filed for the owned piece
    store_objects: dict[type, Any] = field(default_factory=dict)

    @property
    def bearer(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}

    def session(self) -> Client:
        client = Client()
        client.force_login(self.user)
        return client


def _token(user: User) -> str:
    return issue_api_token(user=user, name=f"{user.username} phone").secret


def make_party(name: str, *, warehouse: Location) -> Party:
    """A shopper with a passkey, a token, a cart line, an unpaid pickup order with a sandbox payment,
    and a collected (paid, picked-up) order with a return; and their store's stock, journal,
    reservation, quantity stock, transfer and franchise."""
    franchise = Franchise.objects.create(code=f"fr-{name}", name=f"Franchise {name}")
    store = LocationFactory(code=f"store-{name}", kind=Location.Kind.STORE, sells_online=True, franchise=franchise)
    user = UserFactory(username=f"shopper-{name}")
    passkey = PasskeyCredential.objects.create(
        user=user, name="phone", credential_id=secrets.token_urlsafe(32), public_key=b"\xa5\x01\x02"
    )

    pickup = DeliveryChoice.pickup(store.pk)
    cart = checkout.get_cart(user=user, create=True)
    checkout.add_piece(cart=cart, piece=stocked_piece(store, fixed_price="300.00"))
    pending = place_order(cart=cart, user=user, delivery=pickup)
    payment = start_payment(order=pending, provider="sandbox")

    checkout.add_piece(cart=cart, piece=stocked_piece(store, fixed_price="400.00"))
    collected = place_order(cart=cart, user=user, delivery=pickup)
    deliver_sandbox_callback(payment=start_payment(order=collected, provider="sandbox"), status="succeeded")
    collected.refresh_from_db()
    move_order(order=collected, to=State.PROCESSING)
    collected = move_order(order=collected, to=State.READY_FOR_PICKUP, pickup_code="123456")
    collected = returns.mark_picked_up(order=collected, code="123456")
    line = collected.lines.get()
    return_request = returns.request_return(order=collected, lines=[(line.pk, "no_reason")], actor=user)

    checkout.add_piece(cart=cart, piece=stocked_piece(store, fixed_price="500.00"))
    cart_line = cart.lines.get()

    # The store's own stock rows, for the back-office checks.
    shelf_piece = stocked_piece(store, fixed_price="600.00")
    beads = VariantFactory(
        style=StyleFactory(pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal("50.00")),
        is_serialized=False,
        sku=f"BEAD-{name}",
    )
    receive_quantity(variant=beads, location=store, quantity=3)
    transfer = transfer_pieces(pieces=[stocked_piece(store, fixed_price="700.00")], to_location=warehouse)
    party = Party(
        user=User.objects.get(pk=user.pk),
        token=_token(user),
        store=store,
        franchise=franchise,
        passkey=passkey,
        cart_line=cart_line,
        pending_order=pending,
        payment=payment,
        collected_order=collected,
        return_request=return_request,
        owned_piece=_own(user, collected.lines.get().piece),
    )
    party.warranty_card, party.service_booking = _warranty(user, collected, store)
    party.store_objects = {
        Order: pending,
        Location: store,
        Franchise: franchise,
        PieceStock: PieceStock.objects.get(piece=shelf_piece),
        StockMovement: StockMovement.objects.filter(location=store, piece=shelf_piece).first(),
        Reservation: Reservation.objects.filter(location=store, reference=pending.number).first(),
        StockLevel: StockLevel.objects.get(variant=beads, location=store),
        Transfer: transfer,
        ServiceRequest: ServiceRequest.objects.get(reference=party.service_booking),
        Inspection: Inspection.objects.create(piece_id=shelf_piece.pk, gate=Gate.INBOUND, station=store),
        BuybackQuote: _buyback_quote(user, collected.lines.get().piece, store),
    }
    party.buyback_quote = party.store_objects[BuybackQuote].reference
    party.guarantee_claim = _claim(user, collected.lines.get().piece)
    party.inspection = party.store_objects[Inspection].pk
    party.supplier = Supplier.objects.create(code=f"sup-{name}", name=f"Supplier {name}", kind="manufacturer").code
    return party


def _own(user: User, piece: Any) -> str:
    """The shopper owns the piece in the provenance log, as the paid order's handler makes it."""
    from auric.provenance import ownership, services
    from auric.provenance.models import PieceRecord

    public_id = services.piece_public_id(piece)
    ownership._commit(user, PieceRecord.objects.get(public_id=public_id), source=f"idor:{public_id}", reason="sale")
    return public_id


def _buyback_quote(user: User, piece: Any, store: Location) -> BuybackQuote:
    """A quote for the owned piece from a passed buyback test at the store, expired already (so the
    owner's acceptance is a 409 that changes nothing)."""
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    inspection = Inspection.objects.create(
        piece_id=piece.pk,
        gate=Gate.BUYBACK,
        station=store,
        state=Inspection.State.PASSED,
        decided_at=now,
        verified={"weight_g": "10.000", "fineness_permille": "999.0"},
    )
    return BuybackQuote.objects.create(
        reference="Q" + secrets.token_hex(6).upper(),
        kind="buyback",
        piece=piece,
        customer=user,
        store=store,
        inspection=inspection,
        metal="gold",
        weight_g=Decimal("10.000"),
        fineness_permille=Decimal("999.0"),
        mark=990,
        price_per_gram=Decimal("780.00"),
        price_date=now.date(),
        metal_value=Decimal("7800.00"),
        fee=Decimal("150.00"),
        amount=Decimal("7650.00"),
        expires_at=now - timedelta(minutes=1),
    )


def _claim(user: User, piece: Any) -> str:
    from auric.warranty import claims

    return claims.file_claim(user=user, piece=piece, ground="fineness").reference


def _warranty(user: User, order: Order, store: Location) -> tuple[str, str]:
    """The paid order's warranty card, as its OrderPaid handler issues it, and a cleaning booked with it."""
    from datetime import timedelta

    from django.utils import timezone

    from auric.warranty import services
    from auric.warranty.models import TermsEntitlement, WarrantyTerms
    from auric.warranty.terms import seed_default_terms

    seed_default_terms(WarrantyTerms, TermsEntitlement)
    card = services.issue_cards_for_order(order_id=order.pk)[0]
    booking = services.book_service(
        user=user,
        card_number=card.number,
        kind="cleaning",
        channel="store",
        location_id=store.pk,
        requested_on=timezone.localdate() + timedelta(days=1),
    )
    return card.number, booking.reference


def make_store_user(party: Party, *, role: str) -> User:
    """A back-office user of the party's store: store staff (Location.staff) or its franchisee."""
    ensure_roles()
    user = UserFactory(username=f"{role.replace(' ', '-')}-{party.store.code}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if role == STORE_STAFF:
        party.store.staff.add(user)
    elif role == FRANCHISEE:
        party.franchise.owners.add(user)
    else:
        raise ValueError(role)
    return User.objects.get(pk=user.pk)


def make_operator() -> tuple[User, str]:
    ensure_roles()
    user = UserFactory(username="operator-idor", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATOR))
    return User.objects.get(pk=user.pk), _token(user)


def _plain(value: Any) -> Any:
    return bytes(value) if isinstance(value, memoryview) else value


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every model of SNAPSHOT_APPS (volatile auth fields left out)."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for label in SNAPSHOT_APPS:
        try:
            config = apps.get_app_config(label)
        except LookupError:
            continue
        for model in config.get_models(include_auto_created=True):
            rows = model._default_manager.order_by("pk").values()
            tables[model._meta.label] = [
                {k: _plain(v) for k, v in row.items() if k not in VOLATILE_FIELDS} for row in rows
            ]
    return tables


def changed_tables(before: dict[str, list[dict[str, Any]]], after: dict[str, list[dict[str, Any]]]) -> list[str]:
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))


__all__ = [
    "FRANCHISEE",
    "STORE_OBJECT_MODELS",
    "STORE_STAFF",
    "Party",
    "changed_tables",
    "make_operator",
    "make_party",
    "make_store_user",
    "snapshot",
]
