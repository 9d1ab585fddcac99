"""Data-subject rights: consents (D1, D6), export all my data, delete my account (D3)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from auric import privacy
from auric.accounts.models import ApiToken, Consent, DeletionReceipt, User
from auric.accounts.services import issue_api_token
from auric.core.models import OutboxEvent
from auric.orders.models import Order
from auric.orders.services import place_order
from auric.orders.states import State
from auric.privacy import consents, rights
from auric.privacy.models import PersonalValue
from auric.privacy.vault import ValueErased
from tests.checkout.conftest import ADDRESS, stocked_piece
from tests.privacy.conftest import PERSON, person_address

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password


@pytest.fixture
def member(db) -> User:
    return User.objects.create_user(username="nana", password=PASSWORD, email="nana@example.cn")


@pytest.fixture
def api(member) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_api_token(user=member, name='test').secret}"
    return client


@pytest.fixture
def delivered_order(member, gold_piece, cart_of):
    from auric.checkout.shipping import DeliveryChoice

    invoice = {"kind": "personal", "title": PERSON["name"]}
    order = place_order(
        cart=cart_of(member, gold_piece), user=member, delivery=DeliveryChoice.ship(person_address()), invoice=invoice
    )
    Order.objects.filter(pk=order.pk).update(state=State.COMPLETED)
    return Order.objects.get(pk=order.pk)


# --- consents (D1, D6) ---------------------------------------------------------------------------


def test_d1_every_consent_is_separate_and_off_until_granted(api):
    listed = {c["kind"]: c for c in api.get("/api/v1/account/consents").json()}

    assert set(listed) == set(consents.KINDS)
    assert [k for k, c in listed.items() if c["granted"]] == ["personalised_recommendations"]
    assert all(c["is_default"] and c["current_text"] for c in listed.values())


def test_d1_a_grant_records_the_text_version_time_and_wording_and_touches_no_other_kind(api, member):
    response = api.post("/api/v1/account/consents/marketing", {"granted": True}, content_type="application/json")

    row = Consent.objects.get(user=member)
    assert response.status_code == 201 and response.json()["granted"] is True
    assert (row.kind, row.granted, row.text_version) == ("marketing", True, consents.current_text("marketing").version)
    assert row.text and row.at is not None and row.channel == "api"
    assert not consents.has_consent(member, "location")


def test_d1_a_withdrawal_is_a_new_row_and_the_history_is_never_rewritten(api, member):
    for granted in (True, False, True, False):
        api.post("/api/v1/account/consents/location", {"granted": granted}, content_type="application/json")

    history = api.get("/api/v1/account/consents/history").json()

    assert [h["granted"] for h in history] == [False, True, False, True]  # newest first
    assert not consents.has_consent(member, "location")
    assert Consent.objects.filter(user=member).count() == 4


def test_d1_an_unknown_consent_is_a_422_problem_and_records_nothing(api, member):
    response = api.post("/api/v1/account/consents/sell_my_data", {"granted": True}, content_type="application/json")

    assert response.status_code == 422
    assert response.headers["Content-Type"].startswith("application/problem+json")
    assert not Consent.objects.exists()


def test_d6_personalised_recommendations_can_be_switched_off_and_on(api, member):
    api.post(
        "/api/v1/account/consents/personalised_recommendations", {"granted": False}, content_type="application/json"
    )
    off = consents.has_consent(member, "personalised_recommendations")
    api.post(
        "/api/v1/account/consents/personalised_recommendations", {"granted": True}, content_type="application/json"
    )

    assert off is False
    assert consents.has_consent(member, "personalised_recommendations") is True


# --- export --------------------------------------------------------------------------------------


def test_the_export_holds_my_orders_addresses_and_consents_and_logs_reading_them(api, member, delivered_order):
    consents.grant(member, "marketing", consents.current_text("marketing").version)

    response = api.get("/api/v1/account/export")
    data = json.loads(response.content)

    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert data["account"]["username"] == "nana"
    [order] = data["orders"]
    assert order["number"] == delivered_order.number and order["delivery"]["address"]["street"] == PERSON["street"]
    assert data["consents"]["marketing"]["granted"] is True
    assert privacy.access_log_for([delivered_order.address_token])[0].purpose == "show_owner"


def test_the_export_holds_nothing_of_another_shopper(api, delivered_order, store, cart_of):
    from auric.checkout.shipping import DeliveryChoice

    other = User.objects.create_user(username="lin", password=PASSWORD)
    cart = cart_of(other, stocked_piece(store))
    other_order = place_order(cart=cart, user=other, delivery=DeliveryChoice.ship(dict(ADDRESS)))

    text = api.get("/api/v1/account/export").content.decode()

    assert (
        other_order.number not in text
        and ADDRESS["street"] not in text
        and "lin" not in json.loads(text)["account"].values()
    )


# --- deletion (D3) -------------------------------------------------------------------------------


def test_d3_deletion_erases_my_personal_data_from_the_vault_and_keeps_the_orders_for_tax(api, member, delivered_order):
    tokens = [delivered_order.address_token, delivered_order.phone_token, delivered_order.recipient_token]

    response = api.post("/api/v1/account/delete", {"password": PASSWORD}, content_type="application/json")

    assert response.status_code == 201
    for token in tokens:
        with pytest.raises(ValueErased):
            privacy.reveal(token, "show_owner", actor="system: test")
    assert privacy.find("phone", PERSON["phone"]) == []
    assert all(v.erased_at is not None for v in PersonalValue.objects.filter(token__in=tokens))
    kept = Order.objects.get(pk=delivered_order.pk)
    assert (kept.number, kept.total, kept.lines.count()) == (delivered_order.number, delivered_order.total, 1)
    assert kept.address_masked == kept.phone_masked == kept.recipient_masked == "erased"
    assert kept.invoice == {"kind": "personal", "title": "erased"} and kept.address_fingerprint == ""


def test_d3_the_account_is_closed_anonymised_and_its_credentials_removed(api, member):
    receipt_reference = api.post(
        "/api/v1/account/delete", {"password": PASSWORD}, content_type="application/json"
    ).json()["reference"]

    closed = User.objects.get(pk=member.pk)
    assert not closed.is_active and closed.username.startswith("deleted-") and closed.email == ""
    assert not closed.has_usable_password()
    assert not ApiToken.objects.filter(user=member).exists()
    assert not Client().login(username="nana", password=PASSWORD)
    receipt = DeletionReceipt.objects.get(user=member)
    assert receipt.reference == receipt_reference and receipt.confirmed_by == "password"
    assert OutboxEvent.objects.filter(name="accounts.AccountDeleted", payload__reference=receipt.reference).exists()


def test_d3_a_wrong_password_deletes_nothing(api, member, delivered_order):
    response = api.post("/api/v1/account/delete", {"password": "not mine"}, content_type="application/json")

    assert response.status_code == 400
    assert User.objects.get(pk=member.pk).is_active
    assert privacy.reveal(delivered_order.phone_token, "show_owner", actor=privacy.owner(member)) == PERSON["phone"]
    assert not DeletionReceipt.objects.exists()


def test_d3_an_order_in_flight_refuses_deletion_and_says_which(api, member, delivered_order):
    Order.objects.filter(pk=delivered_order.pk).update(state=State.SHIPPED)

    response = api.post("/api/v1/account/delete", {"password": PASSWORD}, content_type="application/json")

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/orders_in_flight"
    assert response.json()["orders"] == [delivered_order.number]
    assert privacy.reveal(delivered_order.phone_token, "show_owner", actor=privacy.owner(member)) == PERSON["phone"]


def test_d3_deleting_twice_returns_the_same_receipt(member):
    first = rights.delete_account(user=member, password=PASSWORD)
    again = rights.delete_account(user=User.objects.get(pk=member.pk))

    assert again.pk == first.pk


def test_d3_deletion_erases_the_sign_in_phone_and_an_identity_no_report_needs(member):
    from auric.accounts import identity
    from auric.accounts.models import IdentityVerification

    member.phone_token, member.phone_masked = privacy.store_masked("phone", PERSON["phone"])
    member.save()
    verification = identity.verify_identity(user=member, name=PERSON["name"], id_number="11010519491231002X")

    rights.delete_account(user=member, password=PASSWORD)

    assert privacy.find("phone", PERSON["phone"]) == []
    assert privacy.find("id_number", "11010519491231002X") == []
    assert not IdentityVerification.objects.filter(pk=verification.pk).exists()
    assert User.objects.get(pk=member.pk).phone_masked == ""


def test_d3_an_identity_a_large_transaction_report_refers_to_is_kept_for_aml(member):
    from datetime import date
    from decimal import Decimal

    from auric.accounts import identity
    from auric.payments.large_transactions import DayTotal, record_report
    from tests.payments.conftest import make_order

    verification = identity.verify_identity(user=member, name=PERSON["name"], id_number="11010519491231002X")
    order = make_order(member, total="120000.00", state=State.COMPLETED)
    record_report(order=order, total=DayTotal(date.today(), Decimal("120000.00"), "CNY"), verification=verification)

    receipt = rights.delete_account(user=member, password=PASSWORD)

    assert privacy.find("id_number", "11010519491231002X") == [verification.id_number_token]
    assert receipt.details["retained_for_aml"] == ["identity.id_number_token", "identity.name_token"]
