"""The warranty API: my cards with what is left, booking and cancelling, problems for bad input."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auric.accounts.services import issue_api_token
from auric.core.errors import PROBLEM_CONTENT_TYPE
from auric.warranty.models import ServiceRequest
from tests.warranty.support import book, perform

pytestmark = pytest.mark.django_db

API = "/api/v1/warranty"


def _bearer(user) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user, name='test').secret}"}


def _post(path: str, body: dict | None, headers: dict[str, str]):
    kwargs = {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    return Client().post(path, **kwargs, **headers)


def _booking_body(warranty_card, store, **changes):
    return {
        "card": warranty_card.number,
        "kind": "cleaning",
        "channel": "store",
        "store_id": store.pk,
        "date": (timezone.localdate() + timedelta(days=3)).isoformat(),
        **changes,
    }


def test_my_cards_show_entitlements_left(ring_card, bangle_card, shopper):
    book(shopper, ring_card, kind="cleaning")

    response = Client().get(f"{API}/cards", **_bearer(shopper))

    assert response.status_code == 200
    cards = {c["number"]: c for c in response.json()}
    assert set(cards) == {ring_card.number, bangle_card.number}
    ring = {e["kind"]: e for e in cards[ring_card.number]["entitlements"]}
    assert (ring["cleaning"]["allowance"], ring["cleaning"]["used"], ring["cleaning"]["left"]) == (2, 1, 1)
    assert ring["repair"]["left"] is None
    assert cards[ring_card.number]["status"] == "active"
    assert cards[ring_card.number]["card_sha256"] == ring_card.card_sha256


def test_booking_through_the_api_and_seeing_weights_in_and_out(ring_card, shopper, store):
    headers = _bearer(shopper)
    response = _post(f"{API}/bookings", _booking_body(ring_card, store), headers)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["chargeable"], body["store"]["id"]) == ("booked", False, store.pk)

    perform(ServiceRequest.objects.get(reference=body["reference"]), weight_in="5.004", weight_out="5.003")

    listed = Client().get(f"{API}/bookings", **headers).json()
    assert [(b["reference"], b["state"], b["weight_in_g"], b["weight_out_g"]) for b in listed] == [
        (body["reference"], "returned", "5.004", "5.003")
    ]


def test_cancelling_my_booking_answers_204(ring_card, shopper):
    booking = book(shopper, ring_card)

    response = _post(f"{API}/bookings/{booking.reference}/cancel", None, _bearer(shopper))

    assert response.status_code == 204
    booking.refresh_from_db()
    assert booking.state == "cancelled"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"store_id": 999_999}, 422, "store"),
        ({"date": "2001-01-01"}, 422, "date"),
        ({"kind": "gilding"}, 422, "kind"),
        ({"card": "W000000000000"}, 404, None),
        ({"card": "not-a-card"}, 422, "card"),
    ],
)
def test_bad_bookings_are_problems_and_change_nothing(ring_card, shopper, store, changes, status, field):
    response = _post(f"{API}/bookings", _booking_body(ring_card, store, **changes), _bearer(shopper))

    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith(PROBLEM_CONTENT_TYPE)
    if field:
        assert field in response.json()["errors"]
    assert not ServiceRequest.objects.exists()


def test_another_shoppers_card_and_booking_are_not_found(ring_card, shopper, other_shopper, store):
    booking = book(shopper, ring_card)
    headers = _bearer(other_shopper)

    assert Client().get(f"{API}/cards/{ring_card.number}", **headers).status_code == 404
    assert _post(f"{API}/bookings/{booking.reference}/cancel", None, headers).status_code == 404
    assert _post(f"{API}/bookings", _booking_body(ring_card, store), headers).status_code == 404
    assert Client().get(f"{API}/cards", **headers).json() == []
    assert Client().get(f"{API}/bookings", **headers).json() == []
    booking.refresh_from_db()
    assert booking.state == "booked"


def test_anonymous_callers_are_asked_to_authenticate(ring_card):
    assert Client().get(f"{API}/cards").status_code == 401
    assert _post(f"{API}/bookings", {"card": ring_card.number}, {}).status_code in {401, 403}
