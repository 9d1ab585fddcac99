"""Coupons: kinds, windows, limits, stacking (one per order; flash + coupon stack; never below 0)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.checkout import services as checkout
from auric.checkout.models import Coupon, CouponRedemption
from auric.orders.models import OrderDiscount
from auric.orders.services import cancel_order, place_order
from auric.pricing.models import FlashPrice
from tests.checkout.conftest import make_coupon, stocked_piece
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_percentage_coupon_shows_as_a_discount_line_and_spreads_over_the_lines(
    shopper, gold_piece, fixed_piece, cart_of, ship
):
    make_coupon(code="TEN", label="九折", kind=Coupon.Kind.PERCENT, amount_off=None, percent_off=Decimal("10"))
    order = place_order(cart=cart_of(shopper, gold_piece, fixed_piece), user=shopper, delivery=ship, coupon_code="ten")
    line = OrderDiscount.objects.get(order=order)
    assert (line.code, line.label, line.amount) == ("TEN", "九折", Decimal("830.00"))
    assert sum(ln.discount for ln in order.lines.all()) == Decimal("830.00")
    assert order.total == Decimal("7470.00")


def test_spend_x_save_y_applies_only_from_the_threshold(shopper, store, cart_of, ship):
    make_coupon(
        code="MAN",
        label="满1000减100",
        kind=Coupon.Kind.THRESHOLD,
        amount_off=Decimal("100"),
        min_spend=Decimal("1000"),
    )
    with pytest.raises(checkout.CouponInvalid):
        place_order(
            cart=cart_of(shopper, stocked_piece(store, fixed_price="999.99")),
            user=shopper,
            delivery=ship,
            coupon_code="MAN",
        )
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="1.00")), user=shopper, delivery=ship, coupon_code="MAN"
    )
    assert order.discount_total == Decimal("100.00") and order.subtotal == Decimal("1000.99")


def test_a_fixed_coupon_never_takes_the_total_below_zero(shopper, store, cart_of):
    from auric.checkout.shipping import DeliveryChoice

    make_coupon(amount_off=Decimal("500.00"))
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")),
        user=shopper,
        delivery=DeliveryChoice.pickup(store.pk),
        coupon_code="SAVE50",
    )
    assert order.discount_total == Decimal("300.00") and order.total == Decimal("0.00")


def test_a_flash_price_and_a_coupon_stack(shopper, store, cart_of, ship):
    piece = stocked_piece(store, fixed_price="1000.00")
    now = timezone.now()
    FlashPrice.objects.create(
        style=piece.style,
        label="秒杀",
        percent_off=Decimal("20"),
        starts_at=now - timedelta(minutes=1),
        ends_at=now + timedelta(hours=1),
    )
    make_coupon()
    order = place_order(cart=cart_of(shopper, piece), user=shopper, delivery=ship, coupon_code="SAVE50")
    assert order.lines.get().unit_price == Decimal("800.00")
    assert order.total == Decimal("750.00")


def test_coupons_outside_their_window_are_refused(shopper, gold_piece, cart_of, ship):
    now = timezone.now()
    make_coupon(code="LATER", starts_at=now + timedelta(days=1))
    make_coupon(code="PAST", ends_at=now - timedelta(seconds=1))
    for code in ("LATER", "PAST", "NOPE"):
        with pytest.raises(checkout.CouponInvalid):
            place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=ship, coupon_code=code)


def test_the_per_customer_limit_holds_and_a_total_limit_runs_out(store, cart_of, ship):
    coupon = make_coupon(usage_limit=2, per_customer_limit=1)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    place_order(
        cart=cart_of(first, stocked_piece(store, fixed_price="300")), user=first, delivery=ship, coupon_code="SAVE50"
    )
    with pytest.raises(checkout.CouponExhausted):
        place_order(
            cart=cart_of(first, stocked_piece(store, fixed_price="300")),
            user=first,
            delivery=ship,
            coupon_code="SAVE50",
        )
    place_order(
        cart=cart_of(second, stocked_piece(store, fixed_price="300")), user=second, delivery=ship, coupon_code="SAVE50"
    )
    with pytest.raises(checkout.CouponExhausted):
        place_order(
            cart=cart_of(third, stocked_piece(store, fixed_price="300")),
            user=third,
            delivery=ship,
            coupon_code="SAVE50",
        )
    coupon.refresh_from_db()
    assert coupon.used == 2 and CouponRedemption.objects.count() == 2


def test_cancelling_an_unpaid_order_gives_the_coupon_use_back(shopper, store, cart_of, ship):
    coupon = make_coupon(usage_limit=1)
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="300")),
        user=shopper,
        delivery=ship,
        coupon_code="SAVE50",
    )
    cancel_order(order=order, reason="changed my mind")
    coupon.refresh_from_db()
    assert coupon.used == 0 and not CouponRedemption.objects.exists()
