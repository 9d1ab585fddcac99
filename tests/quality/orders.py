"""A paid order of one fixed-price 足金 piece stocked at a location (for the outbound gate)."""

from __future__ import annotations

from decimal import Decimal

from auric.catalog.models import Piece, Style
from auric.checkout import services as checkout
from auric.checkout.shipping import DeliveryChoice
from auric.core.money import Money
from auric.inventory.models import Location
from auric.inventory.services import receive_piece
from auric.orders.models import Order
from auric.orders.services import mark_paid, place_order
from auric.pricing.services import price_pieces
from tests.checkout.conftest import ADDRESS
from tests.factories import PieceFactory, StyleFactory, UserFactory, VariantFactory


def paid_order_for(location: Location) -> tuple[Order, Piece]:
    style = StyleFactory(pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal("3000.00"))
    piece = PieceFactory(variant=VariantFactory(style=style), weight_g=Decimal("30.125"))
    price_pieces(piece_ids=[piece.pk])
    receive_piece(piece=piece, location=location, awaiting_inspection=False)  # inbound passed earlier
    shopper = UserFactory(username="outbound-shopper")
    cart = checkout.get_cart(user=shopper)
    checkout.add_piece(cart=cart, piece=Piece.objects.get(pk=piece.pk))
    order = place_order(cart=cart, user=shopper, delivery=DeliveryChoice.ship(dict(ADDRESS)))
    mark_paid(order=order, payment_reference="pay-qc-1", amount=Money(order.total, "CNY"))
    order.refresh_from_db()
    return order, piece
