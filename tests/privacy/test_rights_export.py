"""Export all my data: the JSON download and the readable page hold the shopper's own data, only
theirs, with second factors described but never their keys; reading one's own values is logged."""

from __future__ import annotations

import json
import secrets

import pytest
from django.test import Client

from auric import privacy
from auric.accounts import totp
from auric.accounts.models import PasskeyCredential, User
from auric.accounts.services import issue_api_token
from auric.checkout.shipping import DeliveryChoice
from auric.orders.models import Order, ReturnLine, ReturnRequest
from auric.orders.services import place_order
from auric.orders.states import State
from auric.privacy import consents
from auric.privacy.access import OWNER
from tests.checkout.conftest import ADDRESS, stocked_piece
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(username="nana", password=PASSWORD, email=PERSON["email"])


@pytest.fixture
def browser(member) -> Client:
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture
def my_order(member, gold_piece, cart_of) -> Order:
    order = place_order(
        cart=cart_of(member, gold_piece),
        user=member,
        delivery=DeliveryChoice.ship(person_address()),
        invoice={"kind": "personal", "title": PERSON["name"]},
    )
    Order.objects.filter(pk=order.pk).update(state=State.COMPLETED)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def their_order(store, cart_of) -> Order:
    lin = User.objects.create_user(username="lin-wei", password=PASSWORD, email="lin.wei@example.cn")
    consents.grant(lin, "cross_border_transfer", consents.current_text("cross_border_transfer").version)
    return place_order(cart=cart_of(lin, stocked_piece(store)), user=lin, delivery=DeliveryChoice.ship(dict(ADDRESS)))


def test_the_json_export_is_a_download_of_my_account_orders_and_consents(member, my_order):
    consents.grant(member, "location", consents.current_text("location").version)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(user=member, name='test').secret}")

    response = api.get("/api/v1/account/export")

    data = json.loads(response.content)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Cache-Control"] == "no-store"
    assert data["account"]["email"] == PERSON["email"]
    [order] = data["orders"]
    assert (order["number"], order["total"], len(order["lines"])) == (my_order.number, format(my_order.total, "f"), 1)
    assert order["delivery"]["phone"] == PERSON["phone"] and order["delivery"]["recipient"] == PERSON["name"]
    assert data["consents"]["location"]["granted"] is True
    assert [h["kind"] for h in data["consent_history"]] == ["location"]


def test_reading_my_own_values_for_the_export_is_in_my_access_log(member, my_order):
    before = privacy.access_log_for([my_order.address_token, my_order.phone_token])

    data = _export_of(member)

    after = privacy.access_log_for([my_order.address_token, my_order.phone_token])
    assert len(after) == len(before) + 2
    assert {(e.purpose, e.role) for e in after[:2]} == {("show_owner", OWNER)}
    assert {e["purpose"] for e in data["personal_data_access_log"]} == {"show_owner"}


def test_the_export_holds_nothing_of_another_shopper(member, my_order, their_order):
    text = json.dumps(_export_of(member), ensure_ascii=False)

    assert their_order.number not in text
    for value in (ADDRESS["street"], ADDRESS["phone"], ADDRESS["name"], "lin-wei", "lin.wei@example.cn"):
        assert value not in text
    assert PERSON["street"] in text  # and it is my export


def test_my_second_factors_and_api_tokens_are_described_never_their_keys(member, my_order):
    passkey = PasskeyCredential.objects.create(
        user=member, name="my phone", credential_id=secrets.token_urlsafe(32), public_key=b"\xa5\x01\x02"
    )
    enrolment = totp.begin_totp_enrolment(user=member)
    issued = issue_api_token(user=member, name="shortcuts")

    data = _export_of(member)

    assert [p["name"] for p in data["passkeys"]] == ["my phone"]
    assert data["authenticator_app"] is False  # started, not confirmed
    assert [t["prefix"] for t in data["api_tokens"]] == [issued.token.key_prefix]
    text = json.dumps(data)
    assert passkey.credential_id not in text
    assert enrolment.secret not in text
    assert issued.secret not in text and issued.token.secret_hash not in text


def test_my_returns_are_in_the_export(member, my_order):
    line = my_order.lines.get()
    request = ReturnRequest.objects.create(
        order=my_order, user=member, amount=line.line_total, state=ReturnRequest.State.REFUNDED
    )
    ReturnLine.objects.create(
        return_request=request, order_line=line, reason=ReturnLine.Reason.WRONG_SIZE, amount=line.line_total
    )

    [returned] = _export_of(member)["returns"]

    assert (returned["order"], returned["state"]) == (my_order.number, "refunded")
    assert returned["lines"] == [{"title": line.title, "reason": "wrong_size", "quantity": 1}]


def test_the_export_page_shows_my_data_readably_and_is_not_cached(browser, member, my_order, their_order):
    response = browser.get("/account/privacy/export/", HTTP_ACCEPT_LANGUAGE="en")

    page = response.content.decode()
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    assert my_order.number in page and PERSON["street"] in page and PERSON["phone"] in page
    assert "Show the owner their own data" in page  # this very read, in the page's access log
    assert their_order.number not in page and ADDRESS["street"] not in page
    assert privacy.access_log_for([my_order.address_token])[0].purpose == "show_owner"


def test_the_export_needs_a_signed_in_shopper(my_order):
    anonymous = Client()

    assert anonymous.get("/api/v1/account/export").status_code == 401
    assert anonymous.get("/account/privacy/export/").status_code == 302
    assert privacy.access_log_for([my_order.address_token]) == []


def _export_of(user: User) -> dict:
    from auric.privacy import rights

    return json.loads(json.dumps(rights.export_data(user=user), ensure_ascii=False))
