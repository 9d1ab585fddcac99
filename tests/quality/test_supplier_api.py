"""The buying office's API: suppliers with certifications and scorecards; receiving from a supplier
keeps the rule (approved, certified that day) and is for the buying office only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from auric.accounts.roles import OPERATOR, ensure_roles
from auric.accounts.services import issue_api_token
from auric.inventory.models import PieceStatus, PieceStock
from auric.quality.models import SupplyReceipt
from tests.factories import UserFactory
from tests.quality.supply import supplier

pytestmark = pytest.mark.django_db


@pytest.fixture
def buyer():
    ensure_roles()
    user = UserFactory(username="buyer", is_staff=True)
    user.groups.add(Group.objects.get(name=OPERATOR))
    return user


def _auth(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user, name='erp').secret}"}


def _receive(user, body: dict[str, Any]):
    return Client().post("/api/v1/quality/receipts", body, content_type="application/json", **_auth(user))


def test_suppliers_list_their_certifications_and_whether_they_are_cleared_today(buyer):
    supplier("sup-ok")
    supplier("sup-lapsed", valid_until=timezone.localdate() - timedelta(days=1))
    rows = {row["code"]: row for row in Client().get("/api/v1/quality/suppliers", **_auth(buyer)).json()}
    assert (rows["sup-ok"]["cleared_today"], rows["sup-lapsed"]["cleared_today"]) == (True, False)
    assert {c["scheme"]: c["valid_today"] for c in rows["sup-lapsed"]["certifications"]} == {
        "business_licence": False,
        "kimberley": False,
    }
    detail = Client().get("/api/v1/quality/suppliers/sup-ok", **_auth(buyer)).json()
    assert detail["scorecard"]["received"] == 0 and detail["scorecard"]["qc_pass_rate"] is None


def test_receiving_through_the_api_keeps_the_rule(buyer, ring, station, settings):
    settings.AURIC_QC_INBOUND_GATE = True
    supplier("sup-lapsed", valid_until=timezone.localdate() - timedelta(days=1))
    refused = _receive(buyer, {"supplier": "sup-lapsed", "piece": ring.tag_code, "location": station.code})
    assert refused.status_code == 409 and refused["Content-Type"].startswith("application/problem+json")
    assert "lapsed" in refused.json()["detail"] or "valid" in refused.json()["detail"]
    assert not PieceStock.objects.filter(piece=ring).exists()

    supplier("sup-ok")
    received = _receive(
        buyer,
        {
            "supplier": "sup-ok",
            "piece": ring.tag_code,
            "location": station.code,
            "reference": "PO-88",
            "expected_on": timezone.localdate().isoformat(),
        },
    )
    assert received.status_code == 201, received.content
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.INSPECTING, received.json()
    assert received.json()["on_time"] is True and received.json()["stock_status"] == PieceStatus.INSPECTING
    assert SupplyReceipt.objects.get(piece=ring).reference == "PO-88"


def test_suppliers_are_for_the_buying_office_only(ring, station):
    supplier("sup-ok")
    clerk = UserFactory(username="clerk", is_staff=True)
    assert Client().get("/api/v1/quality/suppliers", **_auth(clerk)).status_code == 403
    assert Client().get("/api/v1/quality/suppliers/sup-ok", **_auth(clerk)).status_code == 403
    assert _receive(clerk, {"supplier": "sup-ok", "piece": ring.tag_code, "location": station.code}).status_code == 403
    assert not SupplyReceipt.objects.exists()
