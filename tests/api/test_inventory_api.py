"""Inventory endpoints: store locations and where a style is available."""

from __future__ import annotations

import pytest

from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_locations_list_active_stores_with_city_coordinates_and_hours(client, shop):
    LocationFactory(code="closed-store", is_active=False)
    body = client.get(f"{API}/inventory/locations").json()
    assert [item["code"] for item in body["items"]] == ["sh-nanjing-road"]
    store = body["items"][0]
    assert (store["city"], store["city_en"]) == ("上海", "Shanghai")
    assert (store["latitude"], store["longitude"]) == ("31.230416", "121.473701")
    assert store["opening_hours"] == "10:00–22:00"


def test_locations_can_list_warehouses(client, shop):
    body = client.get(f"{API}/inventory/locations", {"kind": "warehouse"}).json()
    assert [item["code"] for item in body["items"]] == ["wh-online"]


def test_availability_counts_per_location_and_online(client, shop):
    body = client.get(f"{API}/inventory/availability", {"style": "gufa-bangle"}).json()
    counts = {row["location"]["code"]: row["available_pieces"] for row in body["locations"]}
    assert counts == {"wh-online": 1, "sh-nanjing-road": 1}
    assert (body["available_count"], body["online_count"]) == (2, 1)


def test_availability_of_an_unknown_style_is_not_found(client, shop):
    response = client.get(f"{API}/inventory/availability", {"style": "no-such-style"})
    assert response.status_code == 404


def test_availability_needs_a_style(client, shop):
    response = client.get(f"{API}/inventory/availability")
    assert response.status_code == 422
    assert "style" in response.json()["errors"]
