"""The storefront sends a shopper whose purchases of the day reach the threshold to verify their
identity first (COMPLIANCE D4), then back to the order."""

from __future__ import annotations

import pytest

from auric.accounts.models import IdentityVerification
from auric.payments.models import Payment
from tests.factories import UserFactory
from tests.payments.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    user = UserFactory(username="lin")
    client.force_login(user)
    return user


def test_paying_a_large_order_without_identity_leads_to_the_identity_page(client, shopper):
    order = make_order(shopper, total="120000.00")

    response = client.post(f"/account/orders/{order.number}/pay/")

    assert response.status_code == 302
    assert response["Location"] == f"/account/identity/?next=%2Faccount%2Forders%2F{order.number}%2F"
    assert not Payment.objects.exists()


def test_the_identity_page_records_the_identity_and_returns_to_the_order(client, shopper):
    order = make_order(shopper, total="120000.00")
    form = client.get(f"/account/identity/?next=/account/orders/{order.number}/")

    response = client.post(
        "/account/identity/",
        {"name": "林小梅", "id_number": "11010519491231002X", "next": f"/account/orders/{order.number}/"},
    )

    assert form.status_code == 200 and 'name="id_number"' in form.content.decode()
    assert response.status_code == 302 and response["Location"] == f"/account/orders/{order.number}/"
    assert IdentityVerification.objects.get(user=shopper).id_number_masked == "11************002X"


def test_a_wrong_id_number_shows_the_form_again_with_the_reason(client, shopper):
    response = client.post("/account/identity/", {"name": "林小梅", "id_number": "110105194912310021"})

    assert response.status_code == 422
    assert "check character" in response.content.decode()
    assert not IdentityVerification.objects.exists()
