"""Pages take a constant number of queries, whatever the number of styles on a page or pieces of a style.

Each measurement starts from an empty cache, so it counts what building the page costs; the last
tests show what a cached page costs and that a committed change retires it.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.storefront.shop import add_bangles, add_pieces

pytestmark = pytest.mark.django_db


def count_queries(client, url: str, params: dict | None = None) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200
    return len(queries)


def test_category_listing_queries_do_not_grow_with_the_page(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/c/bangles/")
    add_bangles(shop, 27, start=200)
    cache.clear()
    with django_assert_num_queries(few):
        response = client.get("/c/bangles/")
    assert response.content.decode().count('class="card"') == 24  # a full page (32 styles, 24 a page)


def test_search_queries_do_not_grow_with_the_page(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/search", {"q": "手镯", "fineness": "gold-990"})
    add_bangles(shop, 27, start=200)
    cache.clear()
    with django_assert_num_queries(few):
        client.get("/search", {"q": "手镯", "fineness": "gold-990"})


def test_home_queries_do_not_grow_with_the_catalog(client, shop, django_assert_num_queries):
    add_bangles(shop, 3)
    few = count_queries(client, "/")
    add_bangles(shop, 27, start=200)
    cache.clear()
    with django_assert_num_queries(few):
        client.get("/")


def test_product_page_queries_do_not_grow_with_its_pieces(client, shop, django_assert_num_queries):
    add_pieces(shop.gold_bangle, 3, location=shop.store)
    few = count_queries(client, "/p/gufa-bangle/")
    add_pieces(shop.gold_bangle, 27, location=shop.warehouse, start=2000)
    cache.clear()
    with django_assert_num_queries(few):
        response = client.get("/p/gufa-bangle/")
    assert response.content.decode().count('name="piece"') == 33


def test_product_page_with_stones_and_certificate_is_within_budget(client, shop, django_assert_max_num_queries):
    # style, tags, media, variants, pieces, stones, certificates, price log; pricing and inventory reads
    with django_assert_max_num_queries(16):
        client.get("/p/diamond-ring/")


def test_a_cached_page_costs_one_query_until_a_change_commits(
    client, shop, django_assert_num_queries, django_capture_on_commit_callbacks
):
    add_bangles(shop, 3)
    before = client.get("/c/bangles/").content.decode().count('class="card"')
    with django_assert_num_queries(1):  # the cache generation
        cached_page = client.get("/c/bangles/")
    assert cached_page.content.decode().count('class="card"') == before

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        add_bangles(shop, 2, start=300)
    assert client.get("/c/bangles/").content.decode().count('class="card"') == before + 2
