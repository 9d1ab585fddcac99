"""Pricing endpoints: the metal price book, setting a price, piece prices, the price-change log."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.pricing.models import MetalPrice

pytestmark = pytest.mark.django_db

API = "/api/v1"


def post_price(client, body, headers=None):
    return client.post(
        f"{API}/pricing/metal-prices", data=json.dumps(body), content_type="application/json", headers=headers or {}
    )


def a_price(**changes):
    body = {
        "metal": "gold",
        "fineness": 990,
        "on_date": timezone.localdate().isoformat(),
        "price_per_gram": "790.50",
        "currency": "CNY",
    }
    body.update(changes)
    return body


def test_metal_prices_are_listed_newest_first(client, shop):
    body = client.get(f"{API}/pricing/metal-prices", {"metal": "gold", "fineness": 990}).json()
    assert [item["price_per_gram"] for item in body["items"]] == ["780.00", "770.00"]
    assert body["items"][0]["mark"] == "足金"
    assert (body["count"], body["pages"]) == (2, 1)


def test_metal_prices_can_be_ordered_oldest_first_and_filtered_by_date(client, shop):
    today = timezone.localdate()
    body = client.get(
        f"{API}/pricing/metal-prices",
        {"ordering": "on_date", "date_from": (today - timedelta(days=5)).isoformat(), "date_to": today.isoformat()},
    ).json()
    days = [item["on_date"] for item in body["items"]]
    assert days == sorted(days) and len(days) == 4


def test_a_date_range_that_ends_before_it_starts_is_refused(client, shop):
    response = client.get(f"{API}/pricing/metal-prices", {"date_from": "2025-02-01", "date_to": "2025-01-01"})
    assert response.status_code == 422
    assert "date_from" in response.json()["errors"]


def test_todays_prices_list_each_mark_once(client, shop):
    body = client.get(f"{API}/pricing/metal-prices/today").json()
    marks = [(item["metal"], item["fineness"], item["price_per_gram"]) for item in body["items"]]
    assert marks == [("gold", 750, "600.00"), ("gold", 990, "780.00"), ("platinum", 950, "250.00")]
    assert all(item["is_today"] for item in body["items"])


def test_an_editor_with_a_token_sets_a_price(client, shop, price_editor):
    response = post_price(client, a_price(), price_editor.headers)
    assert response.status_code == 201, response.content
    assert response.json()["price_per_gram"] == "790.50"
    row = MetalPrice.objects.get(metal="gold", fineness=990, on_date=timezone.localdate())
    assert row.price_per_gram == Decimal("790.50")
    assert row.source == "api" and row.entered_by == price_editor.user


def test_setting_todays_price_reprices_by_weight_pieces(client, shop, price_editor):
    post_price(client, a_price(price_per_gram="800.00"), price_editor.headers)
    shop.bangle_pieces[0].refresh_from_db()
    # 30.125 g × 800 + 20/g labour × 30.125 g
    assert shop.bangle_pieces[0].price == Decimal("24702.50")


def test_price_changes_of_a_style_are_paginated_newest_first(client, shop):
    body = client.get(f"{API}/catalog/styles/gufa-bangle/price-changes", {"page_size": 1}).json()
    assert body["page_size"] == 1 and body["count"] >= 1
    change = body["items"][0]
    assert {"at", "old_amount", "new_amount", "currency", "reason", "note", "piece"} == set(change)


def test_price_changes_of_a_draft_are_not_found(client, shop):
    assert client.get(f"{API}/catalog/styles/secret-draft/price-changes").status_code == 404


def test_piece_detail_breaks_its_price_down(client, shop):
    body = client.get(f"{API}/catalog/pieces/SN-BANGLE-1").json()
    breakdown = body["price_breakdown"]
    assert body["available"] is True
    assert breakdown["metal_price_per_gram"] == "780.00"
    assert breakdown["metal_value"] == "23497.50"  # 30.125 × 780
    assert breakdown["labour"] == "602.50"  # 20 × 30.125
    assert breakdown["final_price"] == "24100.00"
    assert breakdown["final_price"] == body["price"]


def test_a_sold_piece_shows_as_unavailable(client, shop):
    assert client.get(f"{API}/catalog/pieces/SN-BANGLE-SOLD").json()["available"] is False


def test_fixed_price_piece_has_no_metal_value(client, shop):
    breakdown = client.get(f"{API}/catalog/pieces/SN-RING-1").json()["price_breakdown"]
    assert breakdown["is_by_weight"] is False
    assert breakdown["metal_value"] is None
    assert breakdown["final_price"] == "12800.00"


def test_unknown_piece_is_not_found(client, shop):
    response = client.get(f"{API}/catalog/pieces/NOPE-1")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not_found"
