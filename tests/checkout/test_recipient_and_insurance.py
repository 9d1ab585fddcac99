"""Placing a shipped order keeps the recipient's name through privacy (token + masked form) and
records insured shipping — with the insured goods value — when the value reaches the threshold."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric import privacy
from auric.checkout.shipping import DeliveryChoice
from auric.orders.api import order_detail
from auric.orders.services import place_order
from auric.privacy.models import RevealLog
from tests.checkout.conftest import make_coupon, stocked_piece

pytestmark = pytest.mark.django_db


def test_the_recipient_name_is_kept_as_a_token_with_a_masked_form(shopper, gold_piece, cart_of, ship):
    order = place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=ship)

    assert order.recipient_token.startswith("pv_") and order.recipient_token != order.address_token
    assert order.recipient_masked.startswith("张") and "三" not in order.recipient_masked
    assert privacy.reveal(order.recipient_token, "ship_parcel", actor="test") == "张三"
    assert RevealLog.objects.filter(token=order.recipient_token, purpose="ship_parcel").count() == 1


def test_a_pickup_order_has_no_recipient_and_is_not_insured(shopper, store, gold_price, cart_of):
    pieces = (stocked_piece(store), stocked_piece(store))  # 16000.00: above the insured threshold

    order = place_order(cart=cart_of(shopper, *pieces), user=shopper, delivery=DeliveryChoice.pickup(store.pk))

    assert (order.recipient_token, order.recipient_masked) == ("", "")
    assert order.is_insured is False and order.insured_value is None


def test_a_parcel_below_the_insured_threshold_ships_uninsured(shopper, gold_piece, cart_of, ship):
    order = place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=ship)  # 8000.00 < 10000.00

    assert order.is_insured is False and order.insured_value is None


def test_a_parcel_at_the_threshold_ships_insured_for_its_goods_value_after_discounts(
    shopper, store, gold_price, cart_of, ship
):
    make_coupon()  # 立减 50
    pieces = (stocked_piece(store), stocked_piece(store))  # 2 × 8000.00

    order = place_order(cart=cart_of(shopper, *pieces), user=shopper, delivery=ship, coupon_code="SAVE50")

    order.refresh_from_db()
    assert order.is_insured is True
    assert order.insured_value == Decimal("15950.00")  # 16000.00 − 50.00
    assert order.shipping_total == Decimal("50.00")  # free base fee + insurance


def test_the_insurance_set_at_checkout_holds_when_the_threshold_changes_later(
    shopper, store, gold_price, cart_of, ship, settings
):
    order = place_order(cart=cart_of(shopper, stocked_piece(store), stocked_piece(store)), user=shopper, delivery=ship)
    settings.AURIC_INSURED_SHIPPING_THRESHOLD = "99999.00"

    detail = order_detail(order)

    assert detail.insured_shipping is True and detail.insured_value == Decimal("16000.00")
    assert detail.recipient == order.recipient_masked
