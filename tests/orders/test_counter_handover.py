"""The back office: store staff hand pickup orders over at the counter of their own stores only;
the order detail and packing slip show the masked recipient and insured shipping."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from auric.accounts.roles import OPERATOR, STORE_STAFF, ensure_roles
from auric.checkout.shipping import DeliveryChoice
from auric.core.money import Money
from auric.orders.models import OrderTransition
from auric.orders.services import mark_paid, place_order
from auric.orders.states import State
from auric.privacy.models import RevealLog
from tests.checkout.conftest import stocked_piece
from tests.factories import UserFactory, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def clerk_of(location, username: str):
    ensure_roles()
    clerk = UserFactory(username=username, is_staff=True)
    clerk.groups.add(Group.objects.get(name=STORE_STAFF))
    location.staff.add(clerk)
    return clerk


@pytest.fixture
def pickup_order(shopper, store, cart_of):
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")),
        user=shopper,
        delivery=DeliveryChoice.pickup(store.pk),
    )
    return mark_paid(order=order, payment_reference="pay_counter", amount=Money(order.total, "CNY"))


@pytest.fixture
def insured_order(shopper, store, gold_price, cart_of, ship):
    order = place_order(cart=cart_of(shopper, stocked_piece(store), stocked_piece(store)), user=shopper, delivery=ship)
    return mark_paid(order=order, payment_reference="pay_insured", amount=Money(order.total, "CNY"))


def url(order, action: str = "") -> str:
    return f"/admin/orders/order/{order.pk}/{action + '/' if action else 'change/'}"


def state_of(order) -> str:
    order.refresh_from_db()
    return order.state


# --- counter handover ------------------------------------------------------------------------------


def test_store_staff_see_the_counter_actions_on_their_stores_order(store, pickup_order):
    page = logged_in(clerk_of(store, "sh-clerk")).get(url(pickup_order)).content.decode()

    assert "Mark ready for pickup" in page
    assert 'id="ship-form"' not in page and "Cancel order" not in page


def test_store_staff_mark_their_stores_order_ready_for_pickup(store, pickup_order):
    clerk = clerk_of(store, "sh-clerk")

    response = logged_in(clerk).post(url(pickup_order, "ready"))

    assert response.status_code == 302
    assert state_of(pickup_order) == State.READY_FOR_PICKUP
    moves = OrderTransition.objects.filter(order=pickup_order, actor=clerk).values_list("to_state", flat=True)
    assert list(moves) == [State.PROCESSING, State.READY_FOR_PICKUP]


def test_store_staff_hand_their_stores_order_over_with_the_pickup_code(store, pickup_order):
    client = logged_in(clerk_of(store, "sh-clerk"))
    client.post(url(pickup_order, "ready"))
    pickup_order.refresh_from_db()

    client.post(url(pickup_order, "picked-up"), {"pickup_code": pickup_order.pickup_code})

    assert state_of(pickup_order) == State.PICKED_UP
    assert pickup_order.return_window_ends_at is not None


def test_store_staff_cannot_hand_over_without_the_right_code(store, pickup_order):
    client = logged_in(clerk_of(store, "sh-clerk"))
    client.post(url(pickup_order, "ready"))
    pickup_order.refresh_from_db()
    wrong = "000000" if pickup_order.pickup_code != "000000" else "111111"

    response = client.post(url(pickup_order, "picked-up"), {"pickup_code": wrong}, follow=True)

    assert "does not match" in response.content.decode()
    assert state_of(pickup_order) == State.READY_FOR_PICKUP


def test_another_stores_staff_cannot_mark_the_order_ready(other_store, pickup_order):
    client = logged_in(clerk_of(other_store, "bj-clerk"))

    response = client.post(url(pickup_order, "ready"))

    assert response.status_code == 403
    assert "Only the staff of this order's pickup store can hand it over" in html.unescape(response.content.decode())
    assert state_of(pickup_order) == State.PAID
    assert not OrderTransition.objects.filter(order=pickup_order, actor__username="bj-clerk").exists()


def test_another_stores_staff_cannot_hand_the_order_over_even_with_the_code(store, other_store, pickup_order):
    logged_in(clerk_of(store, "sh-clerk")).post(url(pickup_order, "ready"))
    pickup_order.refresh_from_db()

    response = logged_in(clerk_of(other_store, "bj-clerk")).post(
        url(pickup_order, "picked-up"), {"pickup_code": pickup_order.pickup_code}
    )

    assert response.status_code == 403 and "Nothing was changed" in response.content.decode()
    assert state_of(pickup_order) == State.READY_FOR_PICKUP and pickup_order.delivered_at is None


def test_store_staff_cannot_ship_or_cancel_even_their_stores_orders(store, pickup_order):
    client = logged_in(clerk_of(store, "sh-clerk"))

    assert client.post(url(pickup_order, "cancel"), {"reason": "x"}).status_code == 403
    assert state_of(pickup_order) == State.PAID


def test_staff_without_a_store_role_or_order_permission_are_refused(pickup_order):
    nobody = UserFactory(username="nobody", is_staff=True)

    assert logged_in(nobody).post(url(pickup_order, "ready")).status_code == 403
    assert state_of(pickup_order) == State.PAID


# --- recipient and insured shipping in the back office ---------------------------------------------


@pytest.fixture
def operator_client(db) -> Client:
    ensure_roles()
    operator = UserFactory(username="op", is_staff=True)
    operator.groups.add(Group.objects.get(name=OPERATOR))
    return logged_in(operator)


def test_the_detail_shows_the_masked_recipient_and_the_insured_value(operator_client, insured_order):
    page = operator_client.get(url(insured_order)).content.decode()

    assert 'id="order-delivery"' in page
    assert insured_order.recipient_masked in page and "张三" not in page
    assert "insured for 16000.00 CNY" in page


def test_the_packing_slip_shows_the_masked_recipient_and_the_value_to_declare(operator_client, insured_order):
    page = operator_client.get(url(insured_order, "packing-slip")).content.decode()

    assert insured_order.recipient_masked in page and "张三" not in page
    assert "Insured shipping: declare 16000.00 CNY" in page


def test_the_recipient_name_is_revealed_only_with_the_logged_shipping_reveal(operator_client, insured_order):
    assert not RevealLog.objects.filter(token=insured_order.recipient_token).exists()

    page = operator_client.post(url(insured_order, "reveal-address")).content.decode()

    assert "张三" in page
    assert RevealLog.objects.filter(
        token=insured_order.recipient_token, purpose="ship_parcel", actor_label="op"
    ).exists()
