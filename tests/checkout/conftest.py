"""Checkout fixtures: a priced, stocked gold piece; fixed-price pieces; a store; shoppers."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.catalog.models import Style
from auric.checkout import services as checkout
from auric.checkout.models import Coupon
from auric.checkout.shipping import DeliveryChoice
from auric.inventory.models import Location
from auric.inventory.services import receive_piece, receive_quantity
from auric.pricing.services import price_pieces
from tests.factories import LocationFactory, MetalPriceFactory, PieceFactory, StyleFactory, UserFactory, VariantFactory

ADDRESS = {
    "name": "张三",
    "phone": "13812345678",
    "region": "上海市",
    "city": "上海市",
    "district": "黄浦区",
    "street": "南京东路 100 号",
    "postcode": "200001",
}


@pytest.fixture
def store(db):
    return LocationFactory(code="sh-store", kind=Location.Kind.STORE, sells_online=True, address="南京东路 1 号")


@pytest.fixture
def other_store(db):
    return LocationFactory(code="bj-store", kind=Location.Kind.STORE, sells_online=True)


@pytest.fixture
def gold_price(db):
    return MetalPriceFactory(price_per_gram=Decimal("780.00"))


def stocked_piece(location, *, fixed_price=None, customised=False, weight="10.000"):
    if fixed_price is None:
        style = StyleFactory(is_customised=customised)
    else:
        style = StyleFactory(
            pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal(fixed_price), is_customised=customised
        )
    piece = PieceFactory(variant=VariantFactory(style=style), weight_g=Decimal(weight))
    price_pieces(piece_ids=[piece.pk])
    receive_piece(piece=piece, location=location)
    piece.refresh_from_db()
    return piece


@pytest.fixture
def gold_piece(store, gold_price):
    """10 g of 足金 at 780/g + 20/g labour = 8000.00."""
    return stocked_piece(store)


@pytest.fixture
def fixed_piece(store):
    return stocked_piece(store, fixed_price="300.00")


@pytest.fixture
def beads(store):
    style = StyleFactory(pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal("50.00"))
    variant = VariantFactory(style=style, is_serialized=False, sku="BEAD-1")
    receive_quantity(variant=variant, location=store, quantity=5)
    return variant


@pytest.fixture
def shopper(db):
    return UserFactory(username="shopper")


@pytest.fixture
def cart_of():
    def make(user, *pieces):
        cart = checkout.get_cart(user=user)
        for piece in pieces:
            checkout.add_piece(cart=cart, piece=piece)
        return cart

    return make


@pytest.fixture
def ship():
    return DeliveryChoice.ship(dict(ADDRESS))


def make_coupon(**fields) -> Coupon:
    defaults = {"code": "SAVE50", "label": "立减 50", "kind": Coupon.Kind.FIXED, "amount_off": Decimal("50.00")}
    return Coupon.objects.create(**{**defaults, **fields})
