"""The back office shows a pickup order's contact (phone, name) at the counter: on a POST only, to the
staff and franchisees of the order's own pickup store (and operators), every reading and every
refusal in the vault's reveal log, and never for a shipped order."""

from __future__ import annotations

import html

import pytest
from django.contrib.auth.models import Group

from auric import privacy
from auric.accounts.roles import CUSTOMER_SERVICE, FRANCHISEE, OPERATOR, STORE_STAFF, ensure_roles
from auric.checkout.shipping import DeliveryChoice
from auric.core.money import Money
from auric.inventory.models import Franchise
from auric.orders.models import Order
from auric.orders.services import mark_paid, place_order
from auric.privacy import access
from auric.privacy.models import RevealLog
from tests.checkout.conftest import stocked_piece
from tests.factories import UserFactory, logged_in

pytestmark = pytest.mark.django_db

PHONE = "13912340987"
NAME = "欧阳娜娜"
REFUSED_PAGE = "Only the staff of this order's pickup store can see its pickup contact"


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def in_role(role: str, username: str):
    ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


def clerk_of(location, username: str):
    clerk = in_role(STORE_STAFF, username)
    location.staff.add(clerk)
    return clerk


def franchisee_of(location, username: str):
    owner = in_role(FRANCHISEE, username)
    location.franchise = Franchise.objects.create(code=f"fr-{location.code}", name=f"Franchise {location.code}")
    location.save(update_fields=["franchise"])
    location.franchise.owners.add(owner)
    return owner


@pytest.fixture
def pickup_order(shopper, store, cart_of) -> Order:
    """A paid pickup order whose shopper left a phone at checkout, and a name for the counter."""
    order = place_order(
        cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")),
        user=shopper,
        delivery=DeliveryChoice.pickup(store.pk, contact_phone=PHONE),
    )
    order = mark_paid(order=order, payment_reference="pay_contact", amount=Money(order.total, "CNY"))
    order.recipient_token, order.recipient_masked = privacy.store_masked("name", NAME)
    order.save(update_fields=["recipient_token", "recipient_masked"])
    return order


@pytest.fixture
def shipped_order(shopper, store, cart_of, ship) -> Order:
    order = place_order(cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")), user=shopper, delivery=ship)
    return mark_paid(order=order, payment_reference="pay_ship", amount=Money(order.total, "CNY"))


def url(order: Order, action: str = "") -> str:
    return f"/admin/orders/order/{order.pk}/{action + '/' if action else 'change/'}"


def log_rows() -> list[tuple[str, str, str, str, str]]:
    return list(RevealLog.objects.order_by("id").values_list("actor_label", "purpose", "kind", "outcome", "reason"))


# --- own store -------------------------------------------------------------------------------------


@pytest.mark.parametrize("staff_of", [clerk_of, franchisee_of])
def test_the_own_stores_staff_see_the_pickup_contact_and_the_reading_is_logged(store, pickup_order, staff_of):
    client = logged_in(staff_of(store, "sh-staff"))
    assert "Show pickup contact" in client.get(url(pickup_order)).content.decode()

    response = client.post(url(pickup_order, "pickup-contact"))

    page = response.content.decode()
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert PHONE in page and NAME in page
    assert log_rows() == [
        ("sh-staff", "hand_over_pickup", "phone", "revealed", ""),
        ("sh-staff", "hand_over_pickup", "name", "revealed", ""),
    ]


def test_an_operator_sees_any_stores_pickup_contact(pickup_order):
    response = logged_in(in_role(OPERATOR, "op")).post(url(pickup_order, "pickup-contact"))

    assert response.status_code == 200 and PHONE in response.content.decode()
    assert {row[3] for row in log_rows()} == {"revealed"}


# --- refused -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("staff_of", [clerk_of, franchisee_of])
def test_another_stores_staff_get_a_403_page_and_a_refused_log_and_no_contact(other_store, pickup_order, staff_of):
    client = logged_in(staff_of(other_store, "bj-staff"))

    response = client.post(url(pickup_order, "pickup-contact"))

    page = html.unescape(response.content.decode())
    assert response.status_code == 403 and REFUSED_PAGE in page
    assert PHONE not in page and NAME not in page
    assert log_rows() == [
        ("bj-staff", "hand_over_pickup", "phone", "refused", access.OTHER_STORE_REASON),
        ("bj-staff", "hand_over_pickup", "name", "refused", access.OTHER_STORE_REASON),
    ]


def test_a_role_without_the_purpose_is_refused_and_logged(pickup_order):
    response = logged_in(in_role(CUSTOMER_SERVICE, "cs")).post(url(pickup_order, "pickup-contact"))

    assert response.status_code == 403 and PHONE not in response.content.decode()
    assert [row[:4] for row in log_rows()] == [("cs", "hand_over_pickup", "phone", "refused")]


# --- nothing revealed ----------------------------------------------------------------------------------


def test_a_get_reveals_nothing(store, other_store, pickup_order):
    own = logged_in(clerk_of(store, "sh-clerk")).get(url(pickup_order, "pickup-contact"))
    other = logged_in(clerk_of(other_store, "bj-clerk")).get(url(pickup_order, "pickup-contact"))

    assert own.status_code == 302 and own["Location"] == url(pickup_order)
    assert other.status_code == 403
    assert PHONE not in own.content.decode() + other.content.decode()
    assert log_rows() == []


def test_a_shipped_order_has_no_pickup_contact(shipped_order):
    client = logged_in(in_role(OPERATOR, "op"))
    assert "Show pickup contact" not in client.get(url(shipped_order)).content.decode()

    response = client.post(url(shipped_order, "pickup-contact"), follow=True)

    assert "it has no pickup contact" in response.content.decode()
    assert PHONE not in response.content.decode()
    assert not RevealLog.objects.filter(purpose="hand_over_pickup").exists()
