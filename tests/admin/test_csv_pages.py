"""CSV import pages: a bad file is reported row by row and nothing is written; exports download."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from auric.catalog.models import Piece
from auric.pricing.models import MetalPrice
from tests.factories import LocationFactory, MetalPriceFactory, VariantFactory


def _upload(client, url_name, text):
    upload = SimpleUploadedFile("prices.csv", text.encode("utf-8"), content_type="text/csv")
    response = client.post(reverse(url_name), {"file": upload})
    assert response.status_code == 302, response.content.decode()[:2000]
    return client.get(response["Location"])


@pytest.mark.django_db
def test_a_metal_price_csv_with_bad_rows_reports_each_line_and_writes_nothing(operator_client):
    today = timezone.localdate().isoformat()
    csv_text = (
        "metal,fineness,date,price_per_gram\n"
        f"gold,990,{today},780.50\n"
        f"gold,990,{today[:4]}-13-45,781\n"
        f"unobtainium,990,{today},10\n"
    )

    page = _upload(operator_client, "admin:pricing_metalprice_import", csv_text)

    body = page.content.decode()
    assert page.status_code == 200
    assert 'id="import-rejected"' in body
    lines = {row[0] for row in page.context["error_table"]["rows"]}
    assert lines == {3, 4}
    assert not MetalPrice.objects.exists()


@pytest.mark.django_db
def test_a_good_metal_price_csv_is_imported_with_a_summary(operator_client):
    today = timezone.localdate().isoformat()

    page = _upload(
        operator_client,
        "admin:pricing_metalprice_import",
        f"metal,fineness,date,price_per_gram\ngold,990,{today},780.50\n",
    )

    assert 'id="import-success"' in page.content.decode()
    assert MetalPrice.objects.filter(metal="gold", fineness=990).count() == 1


@pytest.mark.django_db
def test_the_progress_fragment_is_what_htmx_polls(operator_client):
    today = timezone.localdate().isoformat()
    upload = SimpleUploadedFile("p.csv", f"metal,fineness,date,price_per_gram\ngold,990,{today},780\n".encode())
    progress_url = operator_client.post(reverse("admin:pricing_metalprice_import"), {"file": upload})["Location"]

    fragment = operator_client.get(progress_url + "?fragment=1")

    assert fragment.status_code == 200
    assert fragment.content.decode().lstrip().startswith('<div id="import-job"')


@pytest.mark.django_db
def test_another_users_import_job_is_not_found(operator_client, admin_client):
    upload = SimpleUploadedFile("p.csv", b"metal,fineness,date,price_per_gram\n")
    progress_url = operator_client.post(reverse("admin:pricing_metalprice_import"), {"file": upload})["Location"]

    assert admin_client.get(progress_url).status_code == 404


@pytest.mark.django_db
def test_a_pieces_csv_with_bad_rows_reports_lines_and_writes_nothing(operator_client):
    variant = VariantFactory()
    location = LocationFactory()
    header = "style_code,variant_sku,serial_number,tag_code,weight_g,cost,location_code\n"
    good = f"{variant.style.code},{variant.sku},SN-1,TAG-1,12.345,5000.00,{location.code}\n"
    bad_weight = f"{variant.style.code},{variant.sku},SN-2,TAG-2,-1,5000.00,{location.code}\n"
    bad_location = f"{variant.style.code},{variant.sku},SN-3,TAG-3,10.000,5000.00,nowhere\n"

    page = _upload(operator_client, "admin:inventory_piecestock_import", header + good + bad_weight + bad_location)

    assert 'id="import-rejected"' in page.content.decode()
    assert {row[0] for row in page.context["error_table"]["rows"]} == {3, 4}
    assert not Piece.objects.exists()


@pytest.mark.django_db
def test_an_empty_upload_is_refused_on_the_form(operator_client):
    upload = SimpleUploadedFile("p.csv", b"   \n")

    response = operator_client.post(reverse("admin:pricing_metalprice_import"), {"file": upload})

    assert response.status_code == 200
    assert response.context["form"].errors["file"]


@pytest.mark.django_db
def test_metal_prices_export_downloads_csv(operator_client):
    MetalPriceFactory(price_per_gram="780.50")

    response = operator_client.get(reverse("admin:pricing_metalprice_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "780.50" in response.content.decode()


@pytest.mark.django_db
def test_stock_export_downloads_csv(admin_client):
    response = admin_client.get(reverse("admin:inventory_piecestock_export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
