"""Every back-office list and add page renders for a superuser."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import reverse

from tests.factories import MetalPriceFactory, PieceStockFactory

REGISTERED = sorted((model._meta.app_label, model._meta.model_name) for model in admin.site._registry)


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_changelist_renders_for_a_superuser(admin_client, app_label, model_name):
    # given some rows to list
    PieceStockFactory()
    MetalPriceFactory()

    # when the list is opened
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_changelist"))

    # then it renders
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(("app_label", "model_name"), REGISTERED)
def test_every_add_page_renders_or_is_closed_to_everyone(admin_client, app_label, model_name):
    model_admin = next(a for m, a in admin.site._registry.items() if m._meta.model_name == model_name)
    response = admin_client.get(reverse(f"admin:{app_label}_{model_name}_add"))
    if model_admin.has_add_permission(response.wsgi_request):
        assert response.status_code == 200
    else:
        assert response.status_code == 403


@pytest.mark.django_db
def test_change_pages_of_existing_rows_render(admin_client):
    stock = PieceStockFactory()
    for url in (
        reverse("admin:catalog_style_change", args=[stock.piece.style_id]),
        reverse("admin:catalog_piece_change", args=[stock.piece_id]),
        reverse("admin:catalog_variant_change", args=[stock.piece.variant_id]),
        reverse("admin:inventory_piecestock_change", args=[stock.pk]),
        reverse("admin:inventory_location_change", args=[stock.location_id]),
    ):
        assert admin_client.get(url).status_code == 200, url
