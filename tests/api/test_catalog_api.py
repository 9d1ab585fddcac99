"""Catalog endpoints: browse, search, style detail, categories, collections."""

from __future__ import annotations

import pytest

from auric.catalog.models import MediaAsset
from tests.factories import PieceFactory, PieceStockFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"


def test_browse_lists_live_styles_with_pagination_and_facets(client, shop):
    # when
    response = client.get(f"{API}/catalog/styles")
    # then
    assert response.status_code == 200
    body = response.json()
    assert {item["slug"] for item in body["items"]} == {"gufa-bangle", "diamond-ring"}
    assert (body["count"], body["page"], body["pages"], body["page_size"]) == (2, 1, 1, 24)
    assert "metal" in body["facets"] and "category" in body["facets"]


def test_browse_cards_carry_prices_as_decimal_strings(client, shop):
    body = client.get(f"{API}/catalog/styles", {"ordering": "price_asc"}).json()
    bangle = next(item for item in body["items"] if item["slug"] == "gufa-bangle")
    assert bangle["price_from"] == str(shop.bangle.price_from)
    assert bangle["fineness"] == {"metal": "gold", "permille": 990, "mark": "足金", "name_zh": "足金"}
    assert bangle["category"] == "bangles" and bangle["collection"] == "heritage"


def test_browse_filters_by_metal_fineness_and_gem(client, shop):
    body = client.get(f"{API}/catalog/styles", {"fineness": "750", "gem": "diamond"}).json()
    assert [item["slug"] for item in body["items"]] == ["diamond-ring"]


def test_browse_category_filter_includes_children(client, shop):
    body = client.get(f"{API}/catalog/styles", {"category": "gold"}).json()
    assert [item["slug"] for item in body["items"]] == ["gufa-bangle"]


def test_browse_pages_with_page_size(client, shop):
    body = client.get(f"{API}/catalog/styles", {"page_size": 1, "page": 2, "ordering": "newest"}).json()
    assert (body["count"], body["pages"], body["page"], len(body["items"])) == (2, 2, 2, 1)


def test_search_finds_chinese_words_in_the_same_shape(client, shop):
    body = client.get(f"{API}/search", {"q": "古法手镯"}).json()
    assert [item["slug"] for item in body["items"]] == ["gufa-bangle"]
    assert {"count", "page", "pages", "page_size", "facets"} <= set(body)


def test_search_never_shows_drafts(client, shop):
    body = client.get(f"{API}/search", {"q": "吊坠"}).json()
    assert body["count"] == 0


def test_style_detail_has_variants_pieces_stones_and_price_range(client, shop):
    body = client.get(f"{API}/catalog/styles/diamond-ring").json()
    assert body["variants"][0]["sku"] == "AU-RING-12"
    assert body["variants"][0]["fineness"]["mark"] == "18K"
    [piece] = body["available_pieces"]
    assert piece["serial_number"] == "SN-RING-1"
    stone = piece["stones"][0]
    assert stone["gia"] == {
        "colour": "G",
        "clarity": "VS1",
        "cut": "EX",
        "polish": "EX",
        "symmetry": "VG",
        "fluorescence": "N",
    }
    assert stone["gb"] == {
        "colour": "G(97)",
        "clarity": "VS1",
        "cut": "极好",
        "polish": "极好",
        "symmetry": "很好",
        "fluorescence": "无",
    }
    assert piece["certificates"] == [
        {"lab": "GIA", "report_number": "2141234567", "issued_on": "2025-03-01", "grades": {"colour": "G"}}
    ]
    assert body["price_range"] == {"min": "12800.00", "max": "12800.00", "currency": "CNY"}


def test_style_detail_lists_only_available_pieces(client, shop):
    body = client.get(f"{API}/catalog/styles/gufa-bangle").json()
    serials = [p["serial_number"] for p in body["available_pieces"]]
    assert sorted(serials) == ["SN-BANGLE-1", "SN-BANGLE-2"]
    assert body["list_price"] == "99999.00"
    assert [t["code"] for t in body["tags"]] == ["gufa"]


def test_style_detail_lists_media_with_renditions_narrowest_first(client, shop):
    MediaAsset.objects.create(
        style=shop.bangle,
        kind=MediaAsset.Kind.IMAGE,
        file="catalog/2026/11/abc.jpg",
        width=1600,
        height=1600,
        alt="手镯正面",
        renditions={
            "640": {"webp": "catalog/2026/11/abc-640.webp", "jpeg": "catalog/2026/11/abc-640.jpg", "height": 640},
            "320": {"webp": "catalog/2026/11/abc-320.webp", "jpeg": "catalog/2026/11/abc-320.jpg", "height": 320},
        },
    )
    body = client.get(f"{API}/catalog/styles/gufa-bangle").json()
    [image] = body["media"]
    assert image["url"] == "/media/catalog/2026/11/abc.jpg"
    assert [r["width"] for r in image["renditions"]] == [320, 640]
    assert image["renditions"][0] == {
        "width": 320,
        "height": 320,
        "webp": "/media/catalog/2026/11/abc-320.webp",
        "jpeg": "/media/catalog/2026/11/abc-320.jpg",
    }
    assert body["image"]["url"] == image["url"]


def test_draft_style_is_not_found(client, shop):
    response = client.get(f"{API}/catalog/styles/secret-draft")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_categories_come_as_a_tree(client, shop):
    roots = client.get(f"{API}/catalog/categories").json()
    gold = next(node for node in roots if node["slug"] == "gold")
    assert [child["slug"] for child in gold["children"]] == ["bangles"]
    assert gold["children"][0]["style_count"] == 1


def test_collections_are_paginated(client, shop):
    body = client.get(f"{API}/catalog/collections").json()
    assert body["count"] == 1
    assert body["items"][0] == {
        "slug": "heritage",
        "name": "传承",
        "name_en": "Heritage",
        "description": "",
        "description_en": "",
        "edition_size": 99,
        "launched_on": None,
        "is_featured": False,
    }


def test_style_detail_takes_the_same_number_of_queries_with_more_pieces(client, shop, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(f"{API}/catalog/styles/gufa-bangle")
    variant = shop.bangle_pieces[0].variant
    for n in range(5):
        PieceStockFactory(piece=PieceFactory(variant=variant, serial_number=f"SN-MORE-{n}"), location=shop.store)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(f"{API}/catalog/styles/gufa-bangle")
    assert len(response.json()["available_pieces"]) == 7
