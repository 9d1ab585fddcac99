"""Styles, variants and pieces saved in the back office go through the catalog services."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from auric.catalog.models import MediaAsset, Piece, Stone, Style, Tag
from auric.core.models import AuditEntry
from tests.factories import CategoryFactory, StyleFactory, VariantFactory


def _style_form(category, **overrides):
    data = {
        "code": "AU-90001",
        "slug": "",
        "title": "足金福字吊坠",
        "title_en": "Fortune pendant",
        "description": "",
        "description_en": "",
        "category": category.pk,
        "collection": "",
        "pricing_mode": "by_weight",
        "labour_fee": "18.00",
        "labour_basis": "per_gram",
        "fixed_price": "",
        "list_price": "",
        "currency": "CNY",
        "variants-TOTAL_FORMS": "1",
        "variants-INITIAL_FORMS": "0",
        "variants-MIN_NUM_FORMS": "0",
        "variants-MAX_NUM_FORMS": "1000",
        "variants-0-sku": "AU-90001-990",
        "variants-0-metal": "gold",
        "variants-0-fineness": "990",
        "variants-0-size": "",
        "variants-0-is_serialized": "on",
        "media-TOTAL_FORMS": "0",
        "media-INITIAL_FORMS": "0",
        "media-MIN_NUM_FORMS": "0",
        "media-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def _png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (212, 175, 55)).save(buffer, "PNG")
    return SimpleUploadedFile("gold.png", buffer.getvalue(), content_type="image/png")


@pytest.mark.django_db
def test_adding_a_style_creates_it_with_its_variant_and_crafts_through_the_service(operator_client, operator):
    category = CategoryFactory()
    craft = Tag.objects.filter(kind=Tag.Kind.CRAFT).first()

    response = operator_client.post(
        reverse("admin:catalog_style_add"), _style_form(category, tags=[craft.pk], new_images=[_png()])
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    style = Style.objects.get(code="AU-90001")
    assert style.status == Style.Status.DRAFT
    assert list(style.variants.values_list("sku", flat=True)) == ["AU-90001-990"]
    assert list(style.tags.all()) == [craft]
    image = MediaAsset.objects.get(style=style)
    assert {"320", "640"} <= set(image.renditions)
    assert AuditEntry.objects.filter(object_type="catalog.style", object_id=str(style.pk)).exists()


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_on_the_style_form_and_nothing_is_saved(operator_client):
    category = CategoryFactory()
    fake = SimpleUploadedFile("photo.jpg", b"this is not an image", content_type="image/jpeg")

    response = operator_client.post(reverse("admin:catalog_style_add"), _style_form(category, new_images=[fake]))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["new_images"]
    assert not Style.objects.filter(code="AU-90001").exists()
    assert not MediaAsset.objects.exists()


@pytest.mark.django_db
def test_publish_action_publishes_through_the_service(operator_client):
    style = StyleFactory(status=Style.Status.DRAFT, published_at=None)
    VariantFactory(style=style)

    operator_client.post(
        reverse("admin:catalog_style_changelist"), {"action": "publish", "_selected_action": [style.pk]}
    )

    style.refresh_from_db()
    assert style.status == Style.Status.LIVE
    assert style.published_at is not None


@pytest.mark.django_db
def test_registering_a_piece_with_a_stone_goes_through_the_service(operator_client):
    variant = VariantFactory()
    data = {
        "variant": variant.pk,
        "serial_number": "SN-ADMIN-1",
        "tag_code": "TAG-ADMIN-1",
        "weight_g": "5.210",
        "measured_fineness": "",
        "cost": "3000.00",
        "fixed_price": "",
        "stones-TOTAL_FORMS": "1",
        "stones-INITIAL_FORMS": "0",
        "stones-MIN_NUM_FORMS": "0",
        "stones-MAX_NUM_FORMS": "1000",
        "stones-0-is_main": "on",
        "stones-0-kind": "diamond",
        "stones-0-origin": "natural",
        "stones-0-count": "1",
        "stones-0-carat": "0.30",
        "stones-0-colour": "G",
        "stones-0-clarity": "VS1",
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
        "certificates-MIN_NUM_FORMS": "0",
        "certificates-MAX_NUM_FORMS": "1",
    }

    response = operator_client.post(reverse("admin:catalog_piece_add"), data)

    assert response.status_code == 302, response.content.decode()[:3000]
    piece = Piece.objects.get(serial_number="SN-ADMIN-1")
    assert piece.style_id == variant.style_id
    assert Stone.objects.get(piece=piece).carat == Decimal("0.30")


@pytest.mark.django_db
def test_a_piece_the_service_refuses_is_shown_on_the_form(operator_client):
    variant = VariantFactory()
    data = {
        "variant": variant.pk,
        "serial_number": "SN-ADMIN-2",
        "tag_code": "TAG-ADMIN-2",
        "weight_g": "5.210",
        "measured_fineness": "950.0",  # below the 990‰ the variant's 足金 mark promises
        "cost": "3000.00",
        "fixed_price": "",
        "stones-TOTAL_FORMS": "0",
        "stones-INITIAL_FORMS": "0",
        "certificates-TOTAL_FORMS": "0",
        "certificates-INITIAL_FORMS": "0",
    }

    response = operator_client.post(reverse("admin:catalog_piece_add"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert not Piece.objects.exists()


@pytest.mark.django_db
def test_craft_tag_codes_are_read_only(admin_client):
    craft = Tag.objects.filter(kind=Tag.Kind.CRAFT).first()

    response = admin_client.get(reverse("admin:catalog_tag_change", args=[craft.pk]))

    assert "code" not in response.context["adminform"].form.fields
