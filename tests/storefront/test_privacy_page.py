"""The privacy page: consents with their texts (D1, D6), the export link and account deletion (D3)."""

from __future__ import annotations

import pytest

from auric.accounts.models import Consent, DeletionReceipt, User
from auric.privacy import consents

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"  # a test password


@pytest.fixture
def shopper(client):
    user = User.objects.create_user(username="lin", password=PASSWORD)
    client.force_login(user)
    return user


def test_d1_the_page_shows_every_consent_with_its_text_and_state(client, shopper):
    page = client.get("/account/privacy/").content.decode()

    for kind in consents.KINDS:
        assert f'data-testid="consent-{kind}"' in page
    assert consents.current_text("marketing").zh_hans in page
    assert 'data-testid="export-link"' in page


def test_d1_agreeing_and_withdrawing_on_the_page_records_each_step(client, shopper):
    client.post("/account/privacy/consents/marketing/", {"granted": "1"})
    client.post("/account/privacy/consents/marketing/", {"granted": "0"})

    rows = list(Consent.objects.filter(user=shopper).order_by("id").values_list("granted", "channel", "language"))
    assert rows == [(True, "web", "zh-hans"), (False, "web", "")]
    assert not consents.has_consent(shopper, "marketing")


def test_d3_deleting_on_the_page_signs_out_and_shows_the_receipt(client, shopper):
    response = client.post("/account/privacy/delete/", {"password": PASSWORD})

    receipt = DeletionReceipt.objects.get(user=shopper)
    assert receipt.reference in response.content.decode()
    assert client.get("/account/privacy/").status_code == 302  # signed out


def test_d3_a_wrong_password_on_the_page_deletes_nothing(client, shopper):
    response = client.post("/account/privacy/delete/", {"password": "not mine"})

    assert response.status_code == 400
    assert User.objects.get(pk=shopper.pk).is_active
    assert not DeletionReceipt.objects.exists()
