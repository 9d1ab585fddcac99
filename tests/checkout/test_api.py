"""The shopper API: register, token, cart, checkout (idempotent), orders; problem+json errors."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from auric.inventory.services import reserve_piece
from tests.checkout.conftest import ADDRESS, make_coupon, stocked_piece

pytestmark = pytest.mark.django_db
PROBLEM = "application/problem+json"


def token_for(client: Client, username: str = "meimei") -> dict[str, str]:
    assert (
        client.post(
            "/api/v1/auth/register",
            {"username": username, "password": "Gold-Ring-2026!"},
            content_type="application/json",
        ).status_code
        == 201
    )
    answer = client.post(
        "/api/v1/auth/token", {"username": username, "password": "Gold-Ring-2026!"}, content_type="application/json"
    )
    assert answer.status_code == 201
    return {"HTTP_AUTHORIZATION": f"Bearer {answer.json()['token']}"}


def post(client, path, body, **headers):
    return client.post(path, body, content_type="application/json", **headers)


def test_register_refuses_a_taken_name_and_token_refuses_a_wrong_password(client):
    token_for(client)
    again = post(client, "/api/v1/auth/register", {"username": "meimei", "password": "Gold-Ring-2026!"})
    wrong = post(client, "/api/v1/auth/token", {"username": "meimei", "password": "nope"})
    assert again.status_code == 409 and wrong.status_code == 401 and wrong["Content-Type"] == PROBLEM


def test_a_shopper_adds_a_piece_checks_out_for_pickup_and_sees_the_order(client, gold_piece, store):
    auth = token_for(client)
    listed = client.get("/api/v1/catalog/pieces?available=true").json()
    assert listed["items"][0]["id"] == gold_piece.pk and listed["items"][0]["status"] == "available"
    assert client.get(f"/api/v1/catalog/pieces/{gold_piece.pk}").json()["serial"] == gold_piece.serial_number
    assert post(client, "/api/v1/cart/items", {"piece_id": gold_piece.pk}, **auth).status_code == 201
    cart = client.get("/api/v1/cart", **auth).json()
    assert cart["count"] == 1 and cart["subtotal"] == "8000.00"

    placed = post(client, "/api/v1/checkout", {"delivery": {"method": "pickup", "store_id": store.pk}}, **auth)

    assert placed.status_code == 201, placed.content
    order = placed.json()
    assert order["state"] == "pending_payment" and order["total"] == "8000.00"
    assert order["lines"][0]["serial"] == gold_piece.serial_number and order["lines"][0]["ready_in_days"] == 0
    mine = client.get("/api/v1/orders?tab=to_pay", **auth).json()
    assert [o["number"] for o in mine["items"]] == [order["number"]]
    assert client.get(f"/api/v1/orders/{order['number']}", **auth).json()["number"] == order["number"]
    assert client.get("/api/v1/cart", **auth).json()["count"] == 0


def test_a_piece_already_reserved_answers_409_problem_json(client, gold_piece):
    auth = token_for(client)
    post(client, "/api/v1/cart/items", {"piece_id": gold_piece.pk}, **auth)
    reserve_piece(piece=gold_piece, reference="someone-else")
    answer = post(client, "/api/v1/checkout", {"delivery": {"method": "ship", "address": ADDRESS}}, **auth)
    assert answer.status_code == 409 and answer["Content-Type"] == PROBLEM
    assert answer.json()["type"] == "/problems/piece_unavailable" and answer.json()["piece_id"] == gold_piece.pk
    assert post(client, "/api/v1/cart/items", {"piece_id": gold_piece.pk}, **auth).status_code == 409


def test_an_idempotent_checkout_that_fails_erases_what_it_stored_and_frees_the_key(client, gold_piece, store):
    from auric.privacy.models import PersonalValue

    auth = token_for(client)
    post(client, "/api/v1/cart/items", {"piece_id": gold_piece.pk}, **auth)
    reserve_piece(piece=gold_piece, reference="someone-else")
    body = {"delivery": {"method": "ship", "address": ADDRESS}}

    answer = post(client, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="k-taken", **auth)

    assert answer.status_code == 409 and answer.json()["type"] == "/problems/piece_unavailable"
    stored = PersonalValue.objects.all()
    assert stored.count() == 3 and all(value.erased_at is not None for value in stored)
    client.delete("/api/v1/cart", **auth)
    post(client, "/api/v1/cart/items", {"piece_id": stocked_piece(store, fixed_price="300.00").pk}, **auth)
    retried = post(client, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="k-taken", **auth)
    assert retried.status_code == 201, retried.content  # a failed attempt does not keep the key


def test_the_same_idempotency_key_places_one_order(client, store):
    auth = token_for(client)
    piece = stocked_piece(store, fixed_price="300.00")
    post(client, "/api/v1/cart/items", {"piece_id": piece.pk}, **auth)
    body = {"delivery": {"method": "ship", "address": ADDRESS}}
    first = post(client, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    second = post(client, "/api/v1/checkout", body, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert first.status_code == second.status_code == 201
    assert first.json()["number"] == second.json()["number"]
    reused = post(client, "/api/v1/checkout", {**body, "coupon": "X"}, HTTP_IDEMPOTENCY_KEY="k-1", **auth)
    assert reused.status_code == 422


def test_checkout_shows_each_discount_line_and_the_price_to_pay(client, store):
    auth = token_for(client)
    make_coupon(code="MAN", label="满300减30", kind="threshold", amount_off=Decimal("30"), min_spend=Decimal("300"))
    post(client, "/api/v1/cart/items", {"piece_id": stocked_piece(store, fixed_price="300.00").pk}, **auth)
    order = post(
        client, "/api/v1/checkout", {"delivery": {"method": "ship", "address": ADDRESS}, "coupon": "man"}, **auth
    ).json()
    assert order["discounts"] == [{"code": "MAN", "label": "满300减30", "amount": "30.00"}]
    assert (order["subtotal"], order["shipping_total"], order["total"]) == ("300.00", "15.00", "285.00")


def test_the_checkout_answer_is_the_order_as_read_back_without_reading_back_what_it_wrote(client, store):
    auth = token_for(client)
    make_coupon(code="MAN", label="满300减30", kind="threshold", amount_off=Decimal("30"), min_spend=Decimal("300"))
    post(client, "/api/v1/cart/items", {"piece_id": stocked_piece(store, fixed_price="300.00").pk}, **auth)
    body = {"delivery": {"method": "ship", "address": ADDRESS}, "coupon": "man"}
    with CaptureQueriesContext(connection) as statements:
        placed = post(client, "/api/v1/checkout", body, **auth)
    assert placed.status_code == 201
    read_back = client.get(f"/api/v1/orders/{placed.json()['number']}", **auth).json()
    assert placed.json() == read_back and read_back["discounts"] and read_back["timeline"]
    children = ("orders_orderline", "orders_orderdiscount", "orders_ordertransition")
    reads = [q["sql"] for q in statements.captured_queries if q["sql"].startswith("SELECT")]
    assert not [sql for sql in reads if any(f'FROM "{table}"' in sql for table in children)]


def test_customised_pieces_without_confirmation_answer_422(client, store):
    auth = token_for(client)
    post(
        client, "/api/v1/cart/items", {"piece_id": stocked_piece(store, fixed_price="300", customised=True).pk}, **auth
    )
    answer = post(client, "/api/v1/checkout", {"delivery": {"method": "ship", "address": ADDRESS}}, **auth)
    assert answer.status_code == 422 and answer.json()["type"] == "/problems/customised_not_confirmed"


def test_an_incomplete_chinese_address_answers_422_naming_the_field(client, fixed_piece):
    auth = token_for(client)
    post(client, "/api/v1/cart/items", {"piece_id": fixed_piece.pk}, **auth)
    answer = post(
        client, "/api/v1/checkout", {"delivery": {"method": "ship", "address": {**ADDRESS, "district": ""}}}, **auth
    )
    assert answer.status_code == 422 and "address.district" in answer.json()["errors"]


def test_orders_are_visible_to_their_owner_only_and_the_owner_can_cancel_unpaid(client, fixed_piece):
    auth = token_for(client)
    post(client, "/api/v1/cart/items", {"piece_id": fixed_piece.pk}, **auth)
    number = post(client, "/api/v1/checkout", {"delivery": {"method": "ship", "address": ADDRESS}}, **auth).json()[
        "number"
    ]
    stranger = token_for(client, "stranger")
    assert client.get(f"/api/v1/orders/{number}", **stranger).status_code == 404
    assert post(client, f"/api/v1/orders/{number}/cancel", {}, **stranger).status_code == 404
    cancelled = post(client, f"/api/v1/orders/{number}/cancel", {}, **auth)
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert post(client, f"/api/v1/orders/{number}/cancel", {}, **auth).status_code == 409


def test_a_guest_cart_lives_in_the_session(client, fixed_piece, beads):
    assert post(client, "/api/v1/cart/items", {"piece_id": fixed_piece.pk}).status_code == 201
    added = post(client, "/api/v1/cart/items", {"variant_id": beads.pk, "quantity": 2})
    assert added.json()["count"] == 3
    line = added.json()["lines"][0]["id"]
    assert client.delete(f"/api/v1/cart/items/{line}").json()["count"] == 2
    assert client.delete("/api/v1/cart").json()["count"] == 0


def test_start_checkout_locks_the_price_of_weight_priced_pieces(client, gold_piece, fixed_piece):
    auth = token_for(client)
    post(client, "/api/v1/cart/items", {"piece_id": gold_piece.pk}, **auth)
    post(client, "/api/v1/cart/items", {"piece_id": fixed_piece.pk}, **auth)
    locks = post(client, "/api/v1/checkout/start", {}, **auth)
    assert locks.status_code == 201
    assert [(lk["piece_id"], lk["price"]) for lk in locks.json()] == [(gold_piece.pk, "8000.00")]


def test_checkout_needs_an_account(client):
    answer = post(client, "/api/v1/checkout", {"delivery": {"method": "pickup", "store_id": 1}})
    assert answer.status_code == 401
