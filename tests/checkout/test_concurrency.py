"""THE guarantees under concurrency: one unique piece, 50 shoppers → one order; a coupon with a
limit of 1, 50 shoppers → used once. Real threads and connections (meaningful on PostgreSQL; on
SQLite the writers are serialised, the outcome must be the same)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from auric.checkout import services as checkout
from auric.checkout.models import Coupon, CouponRedemption
from auric.checkout.shipping import DeliveryChoice
from auric.core.errors import DomainError
from auric.inventory.models import StockMovement
from auric.inventory.services import PieceUnavailable
from auric.orders.models import Order
from auric.orders.services import place_order
from tests.checkout.conftest import ADDRESS, make_coupon, stocked_piece
from tests.factories import UserFactory

SHOPPERS = 50


def race(carts_and_users, coupon_code=""):
    barrier = threading.Barrier(len(carts_and_users))
    outcomes: list[object] = []
    lock = threading.Lock()

    def shop(cart, user):
        try:
            barrier.wait(timeout=30)
            try:
                result: object = place_order(
                    cart=cart, user=user, delivery=DeliveryChoice.ship(dict(ADDRESS)), coupon_code=coupon_code
                )
            except DomainError as exc:
                result = exc
            with lock:
                outcomes.append(result)
        finally:
            connection.close()

    threads = [threading.Thread(target=shop, args=pair) for pair in carts_and_users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_50_shoppers_race_for_one_unique_piece_exactly_one_order_is_placed(store, gold_price):
    piece = stocked_piece(store)
    pairs = []
    for n in range(SHOPPERS):
        user = UserFactory(username=f"racer{n}")
        pairs.append((checkout.get_cart(user=user), user))
        checkout.add_piece(cart=pairs[-1][0], piece=piece)

    outcomes = race(pairs)

    orders = [o for o in outcomes if isinstance(o, Order)]
    refused = [o for o in outcomes if isinstance(o, PieceUnavailable)]
    assert len(outcomes) == SHOPPERS
    assert len(orders) == 1 and len(refused) == SHOPPERS - 1
    assert all(exc.status == 409 for exc in refused)
    assert Order.objects.count() == 1
    assert StockMovement.objects.filter(piece=piece, kind="reserved").count() == 1


@pytest.mark.django_db(transaction=True)
def test_50_shoppers_race_for_a_coupon_with_a_limit_of_one_it_is_used_once(store):
    make_coupon(code="ONLYONE", usage_limit=1, amount_off=Decimal("10.00"))
    pairs = []
    for n in range(SHOPPERS):
        user = UserFactory(username=f"couponer{n}")
        cart = checkout.get_cart(user=user)
        checkout.add_piece(cart=cart, piece=stocked_piece(store, fixed_price="300.00"))
        pairs.append((cart, user))

    outcomes = race(pairs, coupon_code="ONLYONE")

    orders = [o for o in outcomes if isinstance(o, Order)]
    exhausted = [o for o in outcomes if isinstance(o, checkout.CouponExhausted)]
    assert len(orders) == 1 and len(exhausted) == SHOPPERS - 1
    assert Coupon.objects.get(code="ONLYONE").used == 1
    assert CouponRedemption.objects.count() == 1 and Order.objects.count() == 1
