"""The back-office home page shows catalog size, stock value, metal prices and the outbox."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import LocationFactory, MetalPriceFactory, PieceStockFactory, StyleFactory


@pytest.mark.django_db
def test_dashboard_renders_counts_and_chart_data(admin_client):
    store = LocationFactory(name="南京路店")
    PieceStockFactory(location=store, piece__cost=Decimal("1000.00"))
    StyleFactory(status="draft", published_at=None)
    today = timezone.localdate()
    for days_ago in (0, 1, 30):
        MetalPriceFactory(on_date=today - timedelta(days=days_ago), price_per_gram=Decimal("780.00") - days_ago)

    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard["catalog"] == {"live": 1, "draft": 1, "delisted": 0, "pieces": 1}
    stock_chart = json.loads(dashboard["stock"]["chart"])
    assert stock_chart["labels"] == ["南京路店"]
    assert stock_chart["datasets"][0]["data"] == [1000.0]
    gold_chart = json.loads(dashboard["prices"]["chart"])
    assert gold_chart["datasets"][0]["data"] == [750.0, 779.0, 780.0]
    body = response.content.decode()
    assert 'class="chart"' in body
    assert "unfold/js/chart/chart.js" in body


@pytest.mark.django_db
def test_chart_js_is_served_locally(admin_client):
    from django.contrib.staticfiles import finders

    assert finders.find("unfold/js/chart/chart.js")


@pytest.mark.django_db
def test_dashboard_counts_failed_outbox_events(admin_client):
    from auric.core.models import OutboxEvent

    OutboxEvent.objects.create(name="x.Failed", payload={}, attempts=8, gave_up_at=timezone.now())
    OutboxEvent.objects.create(name="x.Pending", payload={})

    dashboard = admin_client.get(reverse("admin:index")).context["dashboard"]

    assert dashboard["outbox"]["failed"] == 1
    assert dashboard["outbox"]["pending"] == 1


@pytest.mark.django_db
def test_store_staff_dashboard_shows_only_their_stores_value(staff_client, own_store, other_store):
    PieceStockFactory(location=own_store)
    PieceStockFactory(location=other_store)

    dashboard = staff_client.get(reverse("admin:index")).context["dashboard"]

    assert [row.location for row in dashboard["stock"]["rows"]] == [own_store]
    assert dashboard["prices"] is None
