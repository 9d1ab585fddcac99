"""The pickup contact of an order (purpose hand_over_pickup): store staff and franchisees only for the
pickup orders of their own stores — the counter's own-store check — and every refusal in the reveal log."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from auric import privacy
from auric.accounts.roles import FRANCHISEE, OPERATOR, STORE_STAFF
from auric.inventory.models import Franchise, Location
from auric.orders.models import Order
from auric.privacy import access
from auric.privacy.models import RevealLog
from auric.privacy.vault import RevealRefused
from tests.factories import LocationFactory, UserFactory
from tests.privacy.conftest import PERSON

pytestmark = pytest.mark.django_db


def in_role(role: str, username: str):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


@pytest.fixture
def franchises():
    """Two franchises with a store each, and the brand's own store."""
    north = Franchise.objects.create(code="fr-north", name="North")
    south = Franchise.objects.create(code="fr-south", name="South")
    return {
        "north": LocationFactory(code="north-1", kind=Location.Kind.STORE, franchise=north),
        "south": LocationFactory(code="south-1", kind=Location.Kind.STORE, franchise=south),
        "own": LocationFactory(code="own-1", kind=Location.Kind.STORE),
    }


@pytest.fixture
def north_franchisee(franchises):
    user = in_role(FRANCHISEE, "north-owner")
    franchises["north"].franchise.owners.add(user)
    return user


def pickup_order(store: Location, number: str, *, delivery: str = Order.Delivery.PICKUP) -> Order:
    phone_token, phone_masked = privacy.store_masked("phone", PERSON["phone"])
    name_token, name_masked = privacy.store_masked("name", PERSON["name"])
    return Order.objects.create(
        number=number,
        subtotal=Decimal("8000.00"),
        total=Decimal("8000.00"),
        delivery_method=delivery,
        pickup_location=store if delivery == Order.Delivery.PICKUP else None,
        phone_token=phone_token,
        phone_masked=phone_masked,
        recipient_token=name_token,
        recipient_masked=name_masked,
        pay_by=timezone.now() + timedelta(minutes=30),
    )


def refusals() -> list[tuple[str, str, str, str]]:
    return list(
        RevealLog.objects.filter(outcome=RevealLog.Outcome.REFUSED)
        .order_by("id")
        .values_list("actor_label", "purpose", "kind", "reason")
    )


def test_a_franchisee_may_reveal_the_pickup_contact_of_an_order_of_their_own_franchises_store(
    franchises, north_franchisee
):
    order = pickup_order(franchises["north"], "AU-N1")

    contact = access.reveal_pickup_contact(order=order, actor=north_franchisee)

    assert contact == access.PickupContact(phone=PERSON["phone"], name=PERSON["name"])
    assert list(RevealLog.objects.order_by("id").values_list("actor_label", "actor_role", "purpose", "outcome")) == [
        ("north-owner", FRANCHISEE, "hand_over_pickup", "revealed"),
        ("north-owner", FRANCHISEE, "hand_over_pickup", "revealed"),
    ]


@pytest.mark.parametrize("store", ["south", "own"])
def test_a_franchisee_is_refused_another_franchises_or_the_brands_store_and_it_is_logged(
    franchises, north_franchisee, store
):
    order = pickup_order(franchises[store], f"AU-{store}")

    with pytest.raises(RevealRefused) as refused:
        access.reveal_pickup_contact(order=order, actor=north_franchisee)

    assert refused.value.status == 403 and PERSON["phone"] not in str(refused.value.problem())
    assert refusals() == [
        ("north-owner", "hand_over_pickup", "phone", access.OTHER_STORE_REASON),
        ("north-owner", "hand_over_pickup", "name", access.OTHER_STORE_REASON),
    ]
    assert not RevealLog.objects.filter(outcome=RevealLog.Outcome.REVEALED).exists()


def test_a_franchisee_is_refused_a_shipped_order_even_of_their_own_store(franchises, north_franchisee):
    order = pickup_order(franchises["north"], "AU-S1", delivery=Order.Delivery.SHIP)

    with pytest.raises(RevealRefused):
        access.reveal_pickup_contact(order=order, actor=north_franchisee)

    assert len(refusals()) == 2


def test_a_franchisee_cannot_skip_the_object_check_by_revealing_the_token_directly(franchises, north_franchisee):
    order = pickup_order(franchises["north"], "AU-N2")

    with pytest.raises(RevealRefused):
        privacy.reveal(order.phone_token, "hand_over_pickup", actor=north_franchisee)

    assert refusals() == [("north-owner", "hand_over_pickup", "phone", "role not allowed this purpose")]


def test_store_staff_follow_the_same_own_store_check(franchises):
    clerk = in_role(STORE_STAFF, "clerk")
    franchises["own"].staff.add(clerk)
    mine, theirs = pickup_order(franchises["own"], "AU-O1"), pickup_order(franchises["north"], "AU-N3")

    assert access.reveal_pickup_contact(order=mine, actor=clerk).phone == PERSON["phone"]
    with pytest.raises(RevealRefused):
        access.reveal_pickup_contact(order=theirs, actor=clerk)

    assert [r[0] for r in refusals()] == ["clerk", "clerk"]


def test_an_operator_may_reveal_any_pickup_contact_and_other_roles_are_refused_and_logged(franchises, agent):
    order = pickup_order(franchises["south"], "AU-S2")
    operator = in_role(OPERATOR, "op")

    assert access.reveal_pickup_contact(order=order, actor=operator).name == PERSON["name"]
    with pytest.raises(RevealRefused):
        access.reveal_pickup_contact(order=order, actor=agent)  # customer service: not this purpose

    assert [(r[0], r[3]) for r in refusals()] == [("cs", "role not allowed this purpose")]


def test_the_object_check_does_not_outlive_the_reveal(franchises, north_franchisee):
    order = pickup_order(franchises["north"], "AU-N4")
    access.reveal_pickup_contact(order=order, actor=north_franchisee)

    with pytest.raises(RevealRefused):
        privacy.reveal(order.phone_token, "hand_over_pickup", actor=north_franchisee)
