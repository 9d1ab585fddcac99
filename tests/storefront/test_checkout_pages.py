"""The shopper's cart, checkout and order pages through the Django test client (CSRF enforced)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from auric.catalog.models import Piece
from auric.checkout import services as checkout
from auric.checkout.models import Coupon
from auric.inventory import services as inventory
from auric.orders import services as orders
from auric.orders.models import Order
from auric.orders.states import State

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ADDRESS = {
    "delivery": "ship",
    "name": "张三",
    "phone": "13812345678",
    "region": "上海市",
    "city": "上海市",
    "district": "静安区",
    "street": "南京西路1266号",
    "detail": "2号楼 1801室",
    "postcode": "200040",
}


def text(response) -> str:
    return response.content.decode()


def csrf_client() -> Client:
    return Client(enforce_csrf_checks=True)


def token_from(response) -> str:
    match = CSRF_INPUT.search(text(response))
    assert match, "no CSRF token on the page"
    return match.group(1)


def shopper(name: str = "mei") -> Client:
    user = get_user_model().objects.create_user(username=name, password="s3cret-pass-123")
    client = csrf_client()
    client.force_login(user)
    return client


def piece(serial: str) -> Piece:
    return Piece.objects.select_related("style", "stock").get(serial_number=serial)


def add_from_product_page(client: Client, slug: str, serial: str):
    page = client.get(f"/p/{slug}/", {"piece": serial})
    assert page.status_code == 200
    return client.post(
        "/cart/add/", {"piece_id": piece(serial).pk, "csrfmiddlewaretoken": token_from(page)}, follow=True
    )


def checkout_post(client: Client, data: dict):
    page = client.get("/checkout/")
    assert page.status_code == 200
    return client.post("/checkout/", {**data, "csrfmiddlewaretoken": token_from(page), "action": "place"})


# --- add to cart -----------------------------------------------------------------------------------


def test_two_shoppers_each_get_their_own_working_csrf_token_on_the_cached_product_page(shop):
    # given two browsers opening the same (cached) product page
    first, second = csrf_client(), csrf_client()
    page_one = first.get("/p/gufa-bangle/", {"piece": "GF001-A"})
    page_two = second.get("/p/gufa-bangle/", {"piece": "GF001-A"})
    # then the cached content carries no shared token: each page has its own
    token_one, token_two = token_from(page_one), token_from(page_two)
    assert token_one != token_two
    assert "<!--csrf-->" not in text(page_one)
    # when each adds the piece with its own token, both adds succeed
    for client, token in ((first, token_one), (second, token_two)):
        response = client.post(
            "/cart/add/", {"piece_id": piece("GF001-A").pk, "csrfmiddlewaretoken": token}, follow=True
        )
        assert response.status_code == 200
        assert "GF001-A" in text(response) and "已加入购物车" in text(response)


def test_adding_to_cart_without_the_csrf_token_is_refused(shop):
    client = csrf_client()
    client.get("/p/gufa-bangle/")
    response = client.post("/cart/add/", {"piece_id": piece("GF001-A").pk})
    assert response.status_code == 403


def test_guest_cart_joins_the_account_at_login(shop):
    client = csrf_client()
    add_from_product_page(client, "gufa-bangle", "GF001-A")
    get_user_model().objects.create_user(username="lin", password="s3cret-pass-123")
    login_page = client.get("/account/login/")
    client.post(
        "/account/login/",
        {"username": "lin", "password": "s3cret-pass-123", "csrfmiddlewaretoken": token_from(login_page)},
    )
    assert "GF001-A" in text(client.get("/cart/"))


# --- cart -----------------------------------------------------------------------------------------


def test_cart_flags_a_piece_reserved_meanwhile_and_leaves_it_out_of_the_subtotal(shop):
    client = csrf_client()
    add_from_product_page(client, "gufa-bangle", "GF001-A")
    add_from_product_page(client, "diamond-ring", "DR-0001")
    # when another shopper's order reserves the bangle
    inventory.reserve_piece(piece=piece("GF001-A"), reference="AU-OTHER")
    page = text(client.get("/cart/"))
    assert "有人正在结算这件商品" in page
    assert 'data-testid="cart-subtotal">¥12,800.00' in page
    assert "/checkout/" not in page.split('data-testid="cart-subtotal"')[1]


def test_removing_a_line_empties_the_cart(shop):
    client = csrf_client()
    cart_page = add_from_product_page(client, "diamond-ring", "DR-0001")
    line_url = re.search(r'action="(/cart/lines/\d+/remove/)"', text(cart_page)).group(1)
    response = client.post(line_url, {"csrfmiddlewaretoken": token_from(cart_page)}, follow=True)
    assert "购物车是空的" in text(response)


# --- checkout -------------------------------------------------------------------------------------


def test_checkout_needs_an_account(shop):
    response = csrf_client().get("/checkout/")
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_checkout_page_locks_weight_prices_and_shows_list_price_struck_through(shop):
    client = shopper()
    add_from_product_page(client, "gufa-bangle", "GF001-A")
    page = text(client.get("/checkout/"))
    assert "价格锁定至" in page
    assert "<s>¥30,000.00</s>" in page
    assert "到手价" in page


def test_pickup_checkout_places_a_pending_order_and_opens_the_sandbox_payment_page(shop):
    client = shopper()
    add_from_product_page(client, "diamond-ring", "DR-0001")
    response = checkout_post(client, {"delivery": "pickup", "store": shop.store.pk})
    order = Order.objects.get()
    assert order.state == State.PENDING_PAYMENT
    assert order.delivery_method == "pickup" and order.pickup_location == shop.store
    assert response.status_code == 302
    assert re.match(r"^/payments/sandbox/[0-9a-f-]{36}/$", response["Location"])
    assert client.get(response["Location"]).status_code == 200


def test_shipping_checkout_shows_only_the_masked_address_on_the_order_page(shop):
    client = shopper()
    add_from_product_page(client, "diamond-ring", "DR-0001")
    checkout_post(client, ADDRESS)
    order = Order.objects.get()
    page = text(client.get(f"/account/orders/{order.number}/"))
    assert order.address_masked and order.address_masked in page
    assert "13812345678" not in page and "南京西路1266号" not in page


def test_an_incomplete_address_is_shown_on_its_field_and_nothing_is_placed(shop):
    client = shopper()
    add_from_product_page(client, "diamond-ring", "DR-0001")
    response = checkout_post(client, {**ADDRESS, "district": ""})
    assert response.status_code == 200
    assert "has-error" in text(response) and "这是必填项" in text(response)
    assert not Order.objects.exists()


def test_customised_piece_without_confirmation_is_refused_and_nothing_is_placed(shop):
    client = shopper()
    add_from_product_page(client, "k18-bangle", "K18-0001")
    response = checkout_post(client, ADDRESS)
    assert response.status_code == 200
    assert "定制商品" in text(response) and "errorlist" in text(response)
    assert not Order.objects.exists()
    assert piece("K18-0001").stock.status == "available"


def test_customised_piece_with_confirmation_is_placed(shop):
    client = shopper()
    add_from_product_page(client, "k18-bangle", "K18-0001")
    checkout_post(client, {**ADDRESS, "customised_confirmed": "on"})
    assert Order.objects.get().customised_confirmed


def test_coupon_line_is_shown_in_the_review_and_charged(shop):
    Coupon.objects.create(code="SAVE100", label="立减100", kind="fixed", amount_off=Decimal("100.00"))
    client = shopper()
    add_from_product_page(client, "diamond-ring", "DR-0001")
    page = client.get("/checkout/")
    review = client.post(
        "/checkout/",
        {**ADDRESS, "coupon": "save100", "action": "review", "csrfmiddlewaretoken": token_from(page)},
    )
    assert "立减100" in text(review) and "¥12,750.00" in text(review)  # 12,800 − 100 + insured shipping 50
    checkout_post(client, {**ADDRESS, "coupon": "save100"})
    assert Order.objects.get().total == Decimal("12750.00")


def test_a_piece_sold_meanwhile_is_reported_and_nothing_is_placed(shop):
    client = shopper()
    add_from_product_page(client, "diamond-ring", "DR-0001")
    page = client.get("/checkout/")
    inventory.reserve_piece(piece=piece("DR-0001"), reference="AU-OTHER")
    response = client.post("/checkout/", {**ADDRESS, "action": "place", "csrfmiddlewaretoken": token_from(page)})
    assert response.status_code == 200 and 'data-testid="checkout-error"' in text(response)
    assert not Order.objects.exists()


# --- account orders -------------------------------------------------------------------------------


def place(user, serial: str, shop) -> Order:
    cart = checkout.get_cart(user=user)
    checkout.add_piece(cart=cart, piece=piece(serial))
    return orders.place_order(cart=cart, user=user, delivery=checkout_pickup(shop), actor=user)


def checkout_pickup(shop):
    from auric.checkout.shipping import DeliveryChoice

    return DeliveryChoice.pickup(shop.store.pk)


def test_order_tabs_list_the_orders_in_their_states(shop):
    client = shopper("wang")
    user = get_user_model().objects.get(username="wang")
    unpaid = place(user, "DR-0001", shop)
    cancelled = place(user, "GF001-A", shop)
    orders.cancel_order(order=cancelled, actor=user)
    to_pay = text(client.get("/account/orders/", {"tab": "to_pay"}))
    assert unpaid.number in to_pay and cancelled.number not in to_pay
    to_ship = text(client.get("/account/orders/", {"tab": "to_ship"}))
    assert unpaid.number not in to_ship
    everything = text(client.get("/account/orders/"))
    assert unpaid.number in everything and cancelled.number in everything
    for label in ("待付款", "待发货", "待收货", "待评价", "售后"):
        assert label in everything


def test_another_shoppers_order_is_404(shop):
    owner = get_user_model().objects.create_user(username="owner", password="s3cret-pass-123")
    order = place(owner, "DR-0001", shop)
    assert shopper("stranger").get(f"/account/orders/{order.number}/").status_code == 404


def test_pending_order_can_be_cancelled_from_its_page(shop):
    client = shopper("zhao")
    user = get_user_model().objects.get(username="zhao")
    order = place(user, "DR-0001", shop)
    page = client.get(f"/account/orders/{order.number}/")
    assert "立即付款" in text(page)
    client.post(f"/account/orders/{order.number}/cancel/", {"csrfmiddlewaretoken": token_from(page)})
    order.refresh_from_db()
    assert order.state == State.CANCELLED
    assert piece("DR-0001").stock.status == "available"


def test_pickup_code_is_shown_once_the_order_is_ready_for_pickup(shop):
    client = shopper("qian")
    user = get_user_model().objects.get(username="qian")
    order = place(user, "DR-0001", shop)
    assert 'data-testid="pickup-code"' not in text(client.get(f"/account/orders/{order.number}/"))
    for state in (State.PAID, State.PROCESSING, State.READY_FOR_PICKUP):
        orders.move_order(order=order, to=state)
    page = text(client.get(f"/account/orders/{order.number}/"))
    assert f'data-testid="pickup-code">{order.pickup_code}<' in page


def test_an_expired_price_lock_with_a_moved_gold_price_asks_to_confirm_the_new_total(shop):
    from datetime import timedelta

    from django.utils import timezone

    from auric.checkout.models import PriceLock
    from auric.pricing import services as pricing

    client = shopper()
    add_from_product_page(client, "gufa-bangle", "GF001-A")
    page = client.get("/checkout/")  # locks today's price
    PriceLock.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    pricing.set_metal_price(metal="gold", fineness=990, on_date=timezone.localdate(), price_per_gram=Decimal("800.00"))
    data = {"delivery": "pickup", "store": shop.store.pk, "action": "place", "csrfmiddlewaretoken": token_from(page)}
    # when the shopper places the order, nothing is placed: the old and new totals are shown
    response = client.post("/checkout/", data)
    assert response.status_code == 409
    assert 'data-testid="price-changed"' in text(response) and "确认新价格并提交订单" in text(response)
    assert not Order.objects.exists()
    # and placing again confirms the new price
    client.post("/checkout/", {**data, "csrfmiddlewaretoken": token_from(response)})
    assert Order.objects.get().state == State.PENDING_PAYMENT
