"""The order back office: list and detail render, actions go through the services, store scope."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from auric.accounts.roles import OPERATOR, STORE_STAFF, ensure_roles
from auric.checkout.shipping import DeliveryChoice
from auric.core.money import Money
from auric.orders.models import OrderTransition
from auric.orders.services import mark_paid, place_order
from auric.orders.states import State
from auric.payments.models import Refund
from auric.privacy.models import RevealLog
from tests.checkout.conftest import stocked_piece
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_and_sandbox(settings):
    settings.LANGUAGE_CODE = "en"
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = secrets.token_hex(32)


@pytest.fixture
def operator(db):
    ensure_roles()
    user = UserFactory(username="op", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATOR))
    return user


@pytest.fixture
def operator_client(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


@pytest.fixture
def shipped_order(shopper, gold_piece, cart_of, ship):
    order = place_order(cart=cart_of(shopper, gold_piece), user=shopper, delivery=ship)
    return mark_paid(order=order, payment_reference="pay_1", amount=Money(order.total, "CNY"))


@pytest.fixture
def pickup_order(shopper, fixed_piece, store, cart_of):
    order = place_order(cart=cart_of(shopper, fixed_piece), user=shopper, delivery=DeliveryChoice.pickup(store.pk))
    return mark_paid(order=order, payment_reference="pay_2", amount=Money(order.total, "CNY"))


def detail_url(order, action: str = "") -> str:
    return f"/admin/orders/order/{order.pk}/{action + '/' if action else 'change/'}"


def test_the_order_list_renders_without_personal_data(operator_client, shipped_order):
    response = operator_client.get("/admin/orders/order/")

    assert response.status_code == 200
    assert shipped_order.number in response.content.decode()
    assert shipped_order.address_masked not in response.content.decode()
    assert "13812345678" not in response.content.decode()


def test_the_list_filters_by_state_and_searches_by_number(operator_client, shipped_order, pickup_order):
    by_state = operator_client.get("/admin/orders/order/", {"state__exact": "paid", "q": pickup_order.number})

    page = by_state.content.decode()
    assert pickup_order.number in page and shipped_order.number not in page


def test_the_detail_shows_lines_totals_masked_address_and_timeline(operator_client, shipped_order):
    response = operator_client.get(detail_url(shipped_order))

    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="order-lines"' in page and shipped_order.lines.get().title in page
    assert shipped_order.address_masked in page and "南京东路 100 号" not in page
    assert 'id="order-timeline"' in page and 'id="ship-form"' in page


def test_shipping_moves_a_paid_order_through_processing_with_the_staff_user_on_the_timeline(
    operator_client, operator, shipped_order
):
    response = operator_client.post(
        detail_url(shipped_order, "ship"), {"carrier": "顺丰 SF Express", "tracking_number": "SF1234567890"}
    )

    assert response.status_code == 302
    shipped_order.refresh_from_db()
    assert shipped_order.state == State.SHIPPED
    assert (shipped_order.carrier, shipped_order.tracking_number) == ("顺丰 SF Express", "SF1234567890")
    moves = list(OrderTransition.objects.filter(order=shipped_order, actor=operator).values_list("to_state", flat=True))
    assert moves == [State.PROCESSING, State.SHIPPED]


def test_an_illegal_action_is_shown_as_an_error_and_changes_nothing(operator_client, shipped_order):
    response = operator_client.post(detail_url(shipped_order, "cancel"), {"reason": "nope"}, follow=True)

    assert "cannot become cancelled" in response.content.decode()
    shipped_order.refresh_from_db()
    assert shipped_order.state == State.PAID


def test_a_wrong_pickup_code_is_refused_and_nothing_changes(operator_client, pickup_order):
    operator_client.post(detail_url(pickup_order, "ready"))
    pickup_order.refresh_from_db()
    assert pickup_order.state == State.READY_FOR_PICKUP and len(pickup_order.pickup_code) == 6
    wrong = "000000" if pickup_order.pickup_code != "000000" else "111111"

    response = operator_client.post(detail_url(pickup_order, "picked-up"), {"pickup_code": wrong}, follow=True)

    assert "does not match" in response.content.decode()
    pickup_order.refresh_from_db()
    assert pickup_order.state == State.READY_FOR_PICKUP and pickup_order.delivered_at is None


def test_the_right_pickup_code_hands_the_order_over(operator_client, pickup_order):
    operator_client.post(detail_url(pickup_order, "ready"))
    pickup_order.refresh_from_db()

    operator_client.post(detail_url(pickup_order, "picked-up"), {"pickup_code": pickup_order.pickup_code})

    pickup_order.refresh_from_db()
    assert pickup_order.state == State.PICKED_UP
    assert pickup_order.delivered_at is not None and pickup_order.return_window_ends_at is not None


def test_a_refund_goes_through_the_provider_and_updates_the_order(operator_client, shopper, fixed_piece, cart_of, ship):
    from auric.payments.services import start_payment
    from auric.payments.webhooks import deliver_sandbox_callback

    order = place_order(cart=cart_of(shopper, fixed_piece), user=shopper, delivery=ship)
    deliver_sandbox_callback(payment=start_payment(order=order, provider="sandbox"), status="succeeded")
    order.refresh_from_db()
    assert order.state == State.PAID

    operator_client.post(detail_url(order, "refund"), {"amount": "100.00", "reason": "尺寸不合 wrong size"})

    order.refresh_from_db()
    refund = Refund.objects.get(payment__order=order)
    assert refund.state == Refund.State.SUCCEEDED and refund.provider_reference
    assert order.refunded_total == Decimal("100.00") and order.state == State.PAID


def test_a_refund_needs_the_refund_permission(db, shipped_order, store):
    ensure_roles()
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name=STORE_STAFF))
    client = Client()
    client.force_login(clerk)

    response = client.post(detail_url(shipped_order, "refund"), {"amount": "1.00", "reason": "x"})

    assert response.status_code in (403, 404)
    assert not Refund.objects.exists()


def test_revealing_the_address_shows_it_once_and_logs_the_reading(operator_client, operator, shipped_order):
    response = operator_client.post(detail_url(shipped_order, "reveal-address"))

    assert "南京东路 100 号" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert RevealLog.objects.filter(token=shipped_order.address_token, purpose="ship_parcel", actor_label="op").exists()


def test_invoice_and_packing_slip_print_the_lines_and_the_masked_address(operator_client, shipped_order):
    for action in ("invoice", "packing-slip"):
        page = operator_client.get(detail_url(shipped_order, action)).content.decode()
        assert shipped_order.number in page and shipped_order.lines.get().title in page
        assert shipped_order.address_masked in page and "南京东路 100 号" not in page


def test_store_staff_see_only_their_stores_pickup_orders(shopper, store, other_store, shipped_order, cart_of):
    ensure_roles()
    clerk = UserFactory(username="clerk", is_staff=True)
    clerk.groups.add(Group.objects.get(name=STORE_STAFF))
    store.staff.add(clerk)
    mine = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="200.00")),
        user=shopper,
        delivery=DeliveryChoice.pickup(store.pk),
    )
    theirs = place_order(
        cart=cart_of(shopper, stocked_piece(other_store, fixed_price="210.00")),
        user=shopper,
        delivery=DeliveryChoice.pickup(other_store.pk),
    )
    client = Client()
    client.force_login(clerk)

    page = client.get("/admin/orders/order/").content.decode()

    assert mine.number in page
    assert theirs.number not in page and shipped_order.number not in page
    assert client.get(detail_url(theirs)).status_code == 403
    assert client.get(detail_url(mine)).status_code == 200


def test_payment_lists_render_read_only_and_callbacks_filter_by_needs_attention(operator_client, shipped_order):
    from auric.payments.models import ProviderCallback

    ProviderCallback.objects.create(
        provider="sandbox", provider_event_id="evt_bad", signature_valid=False, outcome="rejected", detail="bad sig"
    )
    for url in ("/admin/payments/payment/", "/admin/payments/refund/", "/admin/payments/providercallback/"):
        assert operator_client.get(url).status_code == 200
    flagged = operator_client.get("/admin/payments/providercallback/", {"needs_attention": "yes"}).content.decode()
    assert "evt_bad" not in flagged
    assert "evt_bad" in operator_client.get("/admin/payments/providercallback/").content.decode()
    assert operator_client.get("/admin/payments/payment/add/").status_code == 403
