"""Pages take a constant number of queries, whatever the number of styles on a page or pieces of a style."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.storefront.shop import add_bangles, add_pieces

pytestmark = pytest.mark.django_db


def count_queries(client, url: str, params: dict | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_category_listing_queries_do_not_grow_with_the_page(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/c/bangles/")
    add_bangles(shop, 27, start=200)
    with django_assert_num_queries(few):
        response = client.get("/c/bangles/")
    assert response.content.decode().count('class="card"') == 24  # a full page (32 styles, 24 a page)


def test_search_queries_do_not_grow_with_the_page(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/search", {"q": "手镯", "fineness": "gold-990"})
    add_bangles(shop, 27, start=200)
    with django_assert_num_queries(few):
        client.get("/search", {"q": "手镯", "fineness": "gold-990"})


def test_home_queries_do_not_grow_with_the_catalog(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/")
    add_bangles(shop, 27, start=200)
    with django_assert_num_queries(few):
        client.get("/")


def test_product_page_queries_do_not_grow_with_its_pieces(client, shop, django_assert_num_queries):
    add_pieces(shop.gold_bangle, 3, location=shop.store)
    few = count_queries(client, "/p/gufa-bangle/")
    add_pieces(shop.gold_bangle, 27, location=shop.warehouse, start=2000)
    with django_assert_num_queries(few):
        response = client.get("/p/gufa-bangle/")
    assert response.content.decode().count('name="piece"') == 33


def test_product_page_with_stones_and_certificate_is_within_budget(client, shop, django_assert_max_num_queries):
    # style, tags, media, variants, pieces, stones, certificates, price log; pricing and inventory reads
    with django_assert_max_num_queries(16):
        client.get("/p/diamond-ring/")
