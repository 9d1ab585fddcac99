"""The storefront: the public buyback fee schedule with its rule, and "My guarantee" — filing a
claim (with a report) for a piece I hold; someone else's piece changes nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from auric.warranty import fees
from auric.warranty.models import BuybackFee, GuaranteeClaim, InspectionReport

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fee_schedule(db):
    fees.seed_default_fees(BuybackFee)


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_fee_schedule_page_is_public_and_in_chinese():
    response = Client().get("/buyback/", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    text = response.content.decode()
    assert "黄金回购与以旧换新" in text and "15.00 CNY/g" in text and "8.00%" in text


def test_filing_a_claim_with_a_report_from_my_guarantee_page(ring_card, shopper):
    client = _client(shopper)
    assert ring_card.piece_public_id in client.get("/account/guarantee/").content.decode()

    response = client.post(
        "/account/guarantee/claim/",
        {
            "piece": ring_card.piece_public_id,
            "ground": "fineness",
            "detail": "",
            "issuer": "NGTC",
            "report_number": "N-7",
            "report": SimpleUploadedFile("r.pdf", b"%PDF-1.7 x", content_type="application/pdf"),
        },
    )

    assert response.status_code == 302
    claim = GuaranteeClaim.objects.get()
    assert claim.report is not None and claim.report.report_number == "N-7"
    assert claim.reference in client.get("/account/guarantee/").content.decode()


def test_a_claim_on_someone_elses_piece_changes_nothing(ring_card, other_shopper):
    response = _client(other_shopper).post(
        "/account/guarantee/claim/", {"piece": ring_card.piece_public_id, "ground": "fineness"}, follow=True
    )

    assert response.status_code == 200
    assert not GuaranteeClaim.objects.exists() and not InspectionReport.objects.exists()


def test_my_guarantee_needs_a_sign_in():
    assert Client().get("/account/guarantee/").status_code == 302
