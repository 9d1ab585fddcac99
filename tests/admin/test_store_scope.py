"""Store staff see only their own stores' stock, and nothing of the catalog or price book to edit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from auric.inventory.models import StockMovement
from tests.factories import PieceStockFactory


@pytest.mark.django_db
def test_store_staff_see_only_their_own_stores_stock(staff_client, own_store, other_store):
    mine = PieceStockFactory(location=own_store)
    theirs = PieceStockFactory(location=other_store)

    response = staff_client.get(reverse("admin:inventory_piecestock_changelist"))

    assert response.status_code == 200
    listed = {row.pk for row in response.context["cl"].result_list}
    assert listed == {mine.pk}
    assert theirs.piece.serial_number not in response.content.decode()


@pytest.mark.django_db
def test_store_staff_are_refused_another_stores_stock_row(staff_client, other_store):
    theirs = PieceStockFactory(location=other_store)

    response = staff_client.get(reverse("admin:inventory_piecestock_change", args=[theirs.pk]))

    assert response.status_code == 403


@pytest.mark.django_db
def test_store_staff_may_open_their_own_stores_stock_row(staff_client, own_store):
    mine = PieceStockFactory(location=own_store)

    response = staff_client.get(reverse("admin:inventory_piecestock_change", args=[mine.pk]))

    assert response.status_code == 200


@pytest.mark.django_db
def test_store_staff_see_only_their_own_locations(staff_client, own_store, other_store):
    response = staff_client.get(reverse("admin:inventory_location_changelist"))

    assert {row.pk for row in response.context["cl"].result_list} == {own_store.pk}
    assert staff_client.get(reverse("admin:inventory_location_change", args=[other_store.pk])).status_code == 403


@pytest.mark.django_db
def test_store_staff_journal_shows_only_their_stores_movements(staff_client, own_store, other_store):
    mine = PieceStockFactory(location=own_store)
    theirs = PieceStockFactory(location=other_store)
    kept = StockMovement.objects.create(kind="received", piece=mine.piece, location=own_store)
    hidden = StockMovement.objects.create(kind="received", piece=theirs.piece, location=other_store)

    response = staff_client.get(reverse("admin:inventory_stockmovement_changelist"))

    assert {row.pk for row in response.context["cl"].result_list} == {kept.pk}
    assert staff_client.get(reverse("admin:inventory_stockmovement_change", args=[hidden.pk])).status_code == 403


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name",
    ["admin:pricing_metalprice_changelist", "admin:pricing_metalprice_add", "admin:catalog_style_add"],
)
def test_store_staff_cannot_open_the_price_book_or_edit_the_catalog(staff_client, url_name):
    assert staff_client.get(reverse(url_name)).status_code == 403


@pytest.mark.django_db
def test_store_staff_cannot_import_pieces(staff_client):
    assert staff_client.get(reverse("admin:inventory_piecestock_import")).status_code == 403
