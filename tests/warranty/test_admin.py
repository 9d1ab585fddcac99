"""The service counter in the back office: intake (weight in), work, return (weight out) by the
store's staff; another store's staff are refused; a bad weight is shown and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from auric.accounts.roles import OPERATOR, STORE_STAFF, ensure_roles
from auric.warranty.models import ServiceRequest
from auric.warranty.states import ServiceState
from tests.factories import LocationFactory, UserFactory
from tests.warranty.support import book, logged

pytestmark = pytest.mark.django_db


def _staff(*, role: str, store=None) -> Client:
    ensure_roles()
    user = UserFactory(username=f"{role.replace(' ', '-')}-{store.code if store else 'all'}", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    if store is not None:
        store.staff.add(user)
    client = Client()
    client.force_login(user)
    return client


def _step(client: Client, booking: ServiceRequest, step: str, **data: str):
    return client.post(reverse(f"admin:warranty_servicerequest_{step}", args=[booking.pk]), data)


def test_store_staff_take_a_piece_in_work_on_it_and_return_it(ring_card, shopper, store):
    booking = book(shopper, ring_card)
    client = _staff(role=STORE_STAFF, store=store)

    page = client.get(reverse("admin:warranty_servicerequest_change", args=[booking.pk]))
    assert page.status_code == 200 and b'id="intake-form"' in page.content
    assert _step(client, booking, "intake", weight_in_g="5.010").status_code == 302
    assert _step(client, booking, "start").status_code == 302
    assert _step(client, booking, "return", weight_out_g="5.009").status_code == 302

    booking.refresh_from_db()
    assert booking.state == ServiceState.RETURNED
    assert (str(booking.weight_in_g), str(booking.weight_out_g)) == ("5.010", "5.009")
    assert [s["party"] for s in logged("service.performed")] == [f"store.{store.code}"]


def test_a_bad_weight_is_shown_and_changes_nothing(ring_card, shopper, store):
    booking = book(shopper, ring_card)
    client = _staff(role=OPERATOR)

    response = _step(client, booking, "intake", weight_in_g="-3")

    booking.refresh_from_db()
    assert booking.state == ServiceState.BOOKED and booking.weight_in_g is None
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("weight" in m for m in messages)


def test_another_stores_staff_cannot_open_or_step_a_request(ring_card, shopper, store):
    booking = book(shopper, ring_card)
    client = _staff(role=STORE_STAFF, store=LocationFactory(code="other-store", kind="store"))

    assert client.get(reverse("admin:warranty_servicerequest_change", args=[booking.pk])).status_code == 403
    assert _step(client, booking, "intake", weight_in_g="5.000").status_code == 403
    booking.refresh_from_db()
    assert booking.state == ServiceState.BOOKED


def test_the_terms_and_cards_pages_open_for_an_operator(ring_card):
    client = _staff(role=OPERATOR)

    assert client.get(reverse("admin:warranty_warrantyterms_changelist")).status_code == 200
    assert client.get(reverse("admin:warranty_warrantycard_change", args=[ring_card.pk])).status_code == 200
    assert client.get(reverse("admin:warranty_servicerequest_changelist")).status_code == 200
