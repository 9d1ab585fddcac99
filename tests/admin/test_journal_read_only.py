"""The stock journal and piece stock are read-only in the back office, even for superusers."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse

from auric.inventory.models import PieceStock, StockMovement
from tests.factories import PieceStockFactory


@pytest.mark.django_db
@pytest.mark.parametrize("model", [StockMovement, PieceStock])
def test_nobody_may_add_change_or_delete_journal_rows(superuser, model):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    model_admin = admin.site._registry[model]

    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


@pytest.mark.django_db
def test_posting_a_change_to_a_journal_row_is_refused_and_changes_nothing(admin_client):
    stock = PieceStockFactory()
    movement = StockMovement.objects.create(kind="received", piece=stock.piece, location=stock.location, note="first")

    response = admin_client.post(
        reverse("admin:inventory_stockmovement_change", args=[movement.pk]), {"note": "rewritten"}
    )

    assert response.status_code == 403
    movement.refresh_from_db()
    assert movement.note == "first"


@pytest.mark.django_db
def test_the_journal_offers_no_delete_action(admin_client):
    response = admin_client.get(reverse("admin:inventory_stockmovement_changelist"))

    assert "delete_selected" not in response.content.decode()
