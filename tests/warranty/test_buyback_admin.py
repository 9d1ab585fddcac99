"""The back office opens the buyback quote, claim and report pages, and counter staff of another
store cannot open a store's quote."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from auric.accounts import roles
from auric.warranty import buyback, claims, fees
from auric.warranty.models import BuybackFee
from tests.checkout.conftest import other_store  # noqa: F401
from tests.warranty.trade import inspected, operator, staff_at

pytestmark = pytest.mark.django_db


def test_the_back_office_pages_open_and_scope_quotes_to_their_store(
    ring_card,
    store,
    other_store,  # noqa: F811
    shopper,
    counter,
    inspectors,
    gold_price,
):
    fees.seed_default_fees(BuybackFee)
    quote = buyback.make_quote(
        piece=ring_card.piece,
        kind="buyback",
        store=store,
        customer=shopper,
        inspection=inspected(ring_card.piece, store, inspectors),
        actor=counter,
    )
    claim = claims.file_claim(user=shopper, piece=ring_card.piece, ground="weight")
    ops = Client()
    ops.force_login(operator())
    for url in (
        reverse("admin:warranty_buybackquote_changelist"),
        reverse("admin:warranty_buybackquote_change", args=[quote.pk]),
        reverse("admin:warranty_buybackquote_quote"),
        reverse("admin:warranty_guaranteeclaim_change", args=[claim.pk]),
        reverse("admin:warranty_buybackfee_changelist"),
        reverse("admin:warranty_inspectionreport_attach"),
        reverse("admin:warranty_payout_changelist"),
    ):
        assert ops.get(url).status_code == 200, url
    mine = Client()
    mine.force_login(counter)
    assert mine.get(reverse("admin:warranty_buybackquote_change", args=[quote.pk])).status_code == 200
    elsewhere = Client()
    elsewhere.force_login(staff_at(other_store, "counter-far", roles.STORE_STAFF))
    assert elsewhere.get(reverse("admin:warranty_buybackquote_change", args=[quote.pk])).status_code == 403
    assert elsewhere.post(reverse("admin:warranty_buybackquote_accept", args=[quote.pk])).status_code == 403
