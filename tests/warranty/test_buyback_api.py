"""The buyback and guarantee API: the public fee schedule, my quotes and accepting one, filing a
claim and attaching a report — problems for bad input, 404 for someone else's."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from auric.accounts.services import issue_api_token
from auric.core.errors import PROBLEM_CONTENT_TYPE
from auric.warranty import buyback, fees
from auric.warranty.models import BuybackFee, BuybackQuote, GuaranteeClaim, InspectionReport
from tests.warranty.trade import inspected

pytestmark = pytest.mark.django_db

API = "/api/v1/warranty"


@pytest.fixture(autouse=True)
def fee_schedule(db):
    fees.seed_default_fees(BuybackFee)


def _bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user, name='test').secret}"}


def _post(path: str, body: dict, headers: dict[str, str]):
    return Client().post(path, data=json.dumps(body), content_type="application/json", **headers)


@pytest.fixture
def quote(ring_card, store, shopper, counter, inspectors, gold_price):
    inspection = inspected(ring_card.piece, store, inspectors)
    return buyback.make_quote(
        piece=ring_card.piece, kind="trade_in", store=store, customer=shopper, inspection=inspection, actor=counter
    )


def test_the_fee_schedule_is_public():
    body = Client().get(f"{API}/buyback/fees").json()

    assert body["quote_minutes"] == 30
    gold = {(f["kind"], f["fineness"]): (f["basis"], f["amount"]) for f in body["fees"] if f["metal"] == "gold"}
    assert gold[("buyback", None)] == ("per_gram", "15.00")
    assert gold[("trade_in", 750)] == ("percent", "4.00")


def test_accepting_my_trade_in_quote_gives_the_credit_code(quote, shopper):
    headers = _bearer(shopper)
    listed = Client().get(f"{API}/buyback/quotes", **headers).json()
    assert [(q["reference"], q["state"], q["amount"]) for q in listed] == [(quote.reference, "open", "3877.32")]

    response = _post(f"{API}/buyback/quotes/{quote.reference}/accept", {}, headers)

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "accepted" and body["credit_code"].startswith("TI")
    again = _post(f"{API}/buyback/quotes/{quote.reference}/accept", {}, headers)
    assert again.status_code == 409
    assert again.json()["type"].endswith("buyback_quote_already_accepted")


def test_an_expired_quote_answers_409_and_nothing_changes(quote, shopper):
    BuybackQuote.objects.filter(pk=quote.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    response = _post(f"{API}/buyback/quotes/{quote.reference}/accept", {}, _bearer(shopper))

    assert response.status_code == 409
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    assert response.json()["type"].endswith("buyback_quote_expired")
    assert BuybackQuote.objects.get(pk=quote.pk).state == "open"
    assert Client().get(f"{API}/buyback/quotes/{quote.reference}", **_bearer(shopper)).json()["state"] == "expired"


def test_another_shoppers_quote_is_not_found(quote, other_shopper):
    headers = _bearer(other_shopper)

    assert Client().get(f"{API}/buyback/quotes/{quote.reference}", **headers).status_code == 404
    assert _post(f"{API}/buyback/quotes/{quote.reference}/accept", {}, headers).status_code == 404
    assert BuybackQuote.objects.get(pk=quote.pk).state == "open"


def test_filing_a_claim_with_an_attached_report(ring_card, shopper):
    headers = _bearer(shopper)
    upload = SimpleUploadedFile("r.pdf", b"%PDF-1.7 report", content_type="application/pdf")
    attached = Client().post(
        f"{API}/pieces/{ring_card.piece_public_id}/reports",
        data={"file": upload, "issuer": "NGTC", "report_number": "N-1"},
        **headers,
    )
    assert attached.status_code == 201, attached.content
    sha = attached.json()["sha256"]

    response = _post(
        f"{API}/pieces/{ring_card.piece_public_id}/claims", {"ground": "fineness", "report_sha256": sha}, headers
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["price_paid"], body["compensation"]) == ("filed", "300.00", None)
    assert Client().get(f"{API}/claims/{body['reference']}", **headers).status_code == 200


def test_a_stranger_cannot_claim_or_attach_and_bad_files_are_problems(ring_card, shopper, other_shopper):
    path = f"{API}/pieces/{ring_card.piece_public_id}"
    stranger = _bearer(other_shopper)
    assert _post(f"{path}/claims", {"ground": "fineness"}, stranger).status_code == 404
    pdf = SimpleUploadedFile("r.pdf", b"%PDF-1.7", content_type="application/pdf")
    form = {"file": pdf, "issuer": "NGTC", "report_number": "N-1"}
    assert Client().post(f"{path}/reports", data=form, **stranger).status_code == 404

    exe = SimpleUploadedFile("r.pdf", b"MZ\x90\x00", content_type="application/pdf")
    response = Client().post(
        f"{path}/reports", data={"file": exe, "issuer": "NGTC", "report_number": "N-1"}, **_bearer(shopper)
    )
    assert response.status_code == 422
    assert "file" in response.json()["errors"]
    assert _post(f"{path}/claims", {"ground": "cheap"}, _bearer(shopper)).status_code == 422
    assert not GuaranteeClaim.objects.exists() and not InspectionReport.objects.exists()
