"""Browsing the catalog: full-text query, filters, facet counts, sorting and paging."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auric.catalog.models import Collection, Style, Tag
from auric.catalog.search import BrowseFilters, browse, index_styles
from auric.core.errors import ValidationFailed
from auric.inventory.models import Location, PieceStatus
from tests.factories import (
    CategoryFactory,
    LocationFactory,
    PieceFactory,
    PieceStockFactory,
    StyleFactory,
    VariantFactory,
)

pytestmark = pytest.mark.django_db


def _indexed(*styles: Style) -> None:
    index_styles(style_ids=[s.id for s in styles])


def _ids(result) -> set[int]:
    return {s.id for s in result.items}


def _facet(result, name) -> dict[str, int]:
    return {v.value: v.count for v in result.facets[name]}


def _stock(style: Style, location: Location, status: str = PieceStatus.AVAILABLE) -> None:
    PieceStockFactory(piece=PieceFactory(variant=VariantFactory(style=style)), location=location, status=status)


# --- query ----------------------------------------------------------------------------------


def test_words_in_any_order_find_a_title_and_a_craft_tag():
    by_title = StyleFactory(title="足金古法手镯")
    by_craft = StyleFactory(title="福字手镯", title_en="")
    by_craft.tags.add(Tag.objects.get(code="gufa"))  # 古法黄金
    other = StyleFactory(title="钻石戒指", title_en="Diamond ring")
    _indexed(by_title, by_craft, other)

    result = browse(query="古法 手镯")

    assert _ids(result) == {by_title.id, by_craft.id}


def test_a_compound_query_matches_its_dictionary_words():
    style = StyleFactory(title="古法黄金手镯")
    _indexed(style, StyleFactory(title="黄金戒指", title_en="Gold ring"))

    assert _ids(browse(query="古法黄金手镯")) == {style.id}


def test_all_words_must_match():
    bangle = StyleFactory(title="足金手镯", title_en="")
    ring = StyleFactory(title="足金戒指", title_en="")
    _indexed(bangle, ring)

    assert _ids(browse(query="足金 戒指")) == {ring.id}


def test_the_last_word_matches_as_a_prefix():
    style = StyleFactory(title="Filigree bangle", title_en="")
    _indexed(style)

    assert _ids(browse(query="filig")) == {style.id}


def test_english_words_match_case_insensitively():
    style = StyleFactory(title="足金手镯", title_en="Ancient-method Gold Bangle")
    _indexed(style, StyleFactory(title="银手链", title_en="Silver bracelet", metal="silver", fineness=925))

    assert _ids(browse(query="GOLD bangle")) == {style.id}


def test_only_live_styles_are_found():
    live = StyleFactory(title="花丝手镯")
    draft = StyleFactory(title="花丝手镯", status=Style.Status.DRAFT)
    delisted = StyleFactory(title="花丝手镯", status=Style.Status.DELISTED)
    _indexed(live, draft, delisted)

    assert _ids(browse(query="花丝")) == {live.id}
    assert _ids(browse()) == {live.id}


def test_a_title_match_ranks_above_a_description_match():
    in_description = StyleFactory(title="素金吊坠", title_en="", description="灵感来自珐琅彩瓷")
    in_title = StyleFactory(title="珐琅吊坠", title_en="")
    _indexed(in_description, in_title)

    result = browse(query="珐琅")

    assert [s.id for s in result.items] == [in_title.id, in_description.id]


def test_a_query_without_words_does_not_filter():
    styles = [StyleFactory(), StyleFactory()]
    _indexed(*styles)

    result = browse(query=" ！？。…… ")

    assert result.total == 2
    assert result.sort == "newest"


HOSTILE = [
    '"',
    "'",
    '手镯"',
    "古法' OR 1=1 --",
    "\x00",
    "手\x00镯",
    "AND",
    "OR NOT",
    "NEAR(手镯 戒指)",
    "*",
    "手镯*",
    ":",
    "text:手镯",
    "^手镯",
    "-手镯",
    "(",
    ")",
    "&|!<->",
    "':*",
    "\\",
    "a" * 10_000,
    "手镯 " * 5_000,
    "🙂💍",
    "\u0301\u200b\ufeff",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_answered_without_error(query):
    style = StyleFactory(title="足金古法手镯")
    _indexed(style)

    result = browse(query=query)

    assert result.total >= 0


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(max_size=300))
def test_any_text_is_a_valid_query(query):
    result = browse(query=query)

    assert result.total >= 0


# --- filters --------------------------------------------------------------------------------


def test_category_filter_includes_descendants():
    rings = CategoryFactory(name="戒指", name_en="Rings", slug="rings")
    wedding = CategoryFactory(name="对戒", name_en="Wedding rings", slug="wedding-rings", parent=rings)
    bangles = CategoryFactory(name="手镯", name_en="Bangles", slug="bangles")
    a, b, c = StyleFactory(category=rings), StyleFactory(category=wedding), StyleFactory(category=bangles)

    assert _ids(browse(filters=BrowseFilters(category="rings"))) == {a.id, b.id}
    assert _ids(browse(filters=BrowseFilters(category="wedding-rings"))) == {b.id}
    assert _ids(browse(filters=BrowseFilters(category="bangles"))) == {c.id}
    assert browse(filters=BrowseFilters(category="no-such")).total == 0


def test_metal_and_fineness_filters():
    fine_gold = StyleFactory(metal="gold", fineness=990)
    k18 = StyleFactory(metal="gold", fineness=750)
    fine_silver = StyleFactory(metal="silver", fineness=990)

    assert _ids(browse(filters=BrowseFilters(metal="gold"))) == {fine_gold.id, k18.id}
    assert _ids(browse(filters=BrowseFilters(fineness=990))) == {fine_gold.id, fine_silver.id}
    assert _ids(browse(filters=BrowseFilters(fineness="gold-990"))) == {fine_gold.id}
    assert _ids(browse(filters=BrowseFilters(fineness="750"))) == {k18.id}


def test_gem_and_certificate_lab_filters():
    diamond = StyleFactory(gem="diamond", cert_lab="GIA")
    jade = StyleFactory(gem="jadeite", cert_lab="NGTC")
    StyleFactory()

    assert _ids(browse(filters=BrowseFilters(gem="diamond"))) == {diamond.id}
    assert _ids(browse(filters=BrowseFilters(cert_lab="NGTC"))) == {jade.id}


def test_carat_bounds_are_inclusive_and_buckets_half_open():
    small = StyleFactory(carat_max=Decimal("0.30"))
    half = StyleFactory(carat_max=Decimal("0.50"))
    big = StyleFactory(carat_max=Decimal("2.00"))
    StyleFactory(carat_max=None)

    assert _ids(browse(filters=BrowseFilters(carat_min=Decimal("0.3"), carat_max="0.5"))) == {small.id, half.id}
    assert _ids(browse(filters=BrowseFilters(carat_min="1"))) == {big.id}
    assert _ids(browse(filters=BrowseFilters(carat_range="0.3-0.5"))) == {small.id}
    assert _ids(browse(filters=BrowseFilters(carat_range="gte2"))) == {big.id}


def test_price_bounds_and_buckets():
    cheap = StyleFactory(price_from=Decimal("1999.99"))
    mid = StyleFactory(price_from=Decimal("2000.00"))
    dear = StyleFactory(price_from=Decimal("150000.00"))
    StyleFactory(price_from=None)

    assert _ids(browse(filters=BrowseFilters(price_max="2000"))) == {cheap.id, mid.id}
    assert _ids(browse(filters=BrowseFilters(price_min="2000", price_max="200000"))) == {mid.id, dear.id}
    assert _ids(browse(filters=BrowseFilters(price_range="lt2000"))) == {cheap.id}
    assert _ids(browse(filters=BrowseFilters(price_range="2000-5000"))) == {mid.id}
    assert _ids(browse(filters=BrowseFilters(price_range="gte100000"))) == {dear.id}


def test_collection_and_craft_filters():
    heritage = Collection.objects.create(name="传承", slug="heritage")
    in_collection = StyleFactory(collection=heritage)
    enamel = StyleFactory()
    enamel.tags.add(Tag.objects.get(code="falang"))
    StyleFactory()

    assert _ids(browse(filters=BrowseFilters(collection="heritage"))) == {in_collection.id}
    assert _ids(browse(filters=BrowseFilters(craft="falang"))) == {enamel.id}


def test_in_stock_online_filter():
    online = StyleFactory(online_count=2)
    StyleFactory(online_count=0)

    assert _ids(browse(filters=BrowseFilters(in_stock_online=True))) == {online.id}


def test_store_filter_needs_an_available_piece_at_that_store():
    shop = LocationFactory(code="sh-1")
    other = LocationFactory(code="bj-1")
    here = StyleFactory()
    _stock(here, shop)
    _stock(here, shop)  # two pieces, still one style
    reserved_here = StyleFactory()
    _stock(reserved_here, shop, PieceStatus.RESERVED)
    elsewhere = StyleFactory()
    _stock(elsewhere, other)

    result = browse(filters=BrowseFilters(store="sh-1"))

    assert [s.id for s in result.items] == [here.id]
    assert result.total == 1


def test_filters_combine_with_the_query():
    gold = StyleFactory(title="古法手镯", metal="gold", fineness=990)
    silver = StyleFactory(title="古法手镯", metal="silver", fineness=990)
    _indexed(gold, silver)

    assert _ids(browse(query="古法", filters=BrowseFilters(metal="silver"))) == {silver.id}


@pytest.mark.parametrize(
    "filters",
    [
        BrowseFilters(carat_min="abc"),
        BrowseFilters(price_max="-1"),
        BrowseFilters(price_min="NaN"),
        BrowseFilters(carat_range="huge"),
        BrowseFilters(price_range="0-1"),
        BrowseFilters(fineness="gold-abc"),
    ],
)
def test_malformed_filters_are_refused(filters):
    with pytest.raises(ValidationFailed):
        browse(filters=filters)


def test_a_filter_of_only_nul_bytes_is_no_filter():
    StyleFactory()

    assert browse(filters=BrowseFilters(metal="\x00", store="\x00\x00")).total == 1


@pytest.mark.parametrize("value", ["gold\x00x", "'; DROP TABLE catalog_style; --", "x" * 10_000, "🙂"])
def test_hostile_filter_values_match_nothing_without_error(value):
    StyleFactory()
    filters = BrowseFilters(
        category=value, metal=value, gem=value, cert_lab=value, collection=value, craft=value, store=value
    )

    result = browse(filters=filters)

    assert result.total == 0


def test_unknown_sort_is_refused():
    with pytest.raises(ValidationFailed):
        browse(sort="cheapest")


# --- facets ---------------------------------------------------------------------------------


def test_facets_count_the_matching_styles():
    StyleFactory(metal="gold", fineness=990, gem="", cert_lab="", price_from=Decimal("1500"))
    StyleFactory(
        metal="gold", fineness=750, gem="diamond", cert_lab="GIA", carat_max=Decimal("0.4"), price_from=Decimal("8000")
    )
    StyleFactory(
        metal="platinum",
        fineness=950,
        gem="diamond",
        cert_lab="GIA",
        carat_max=Decimal("1.2"),
        price_from=Decimal("25000"),
    )
    StyleFactory(metal="silver", fineness=925, online_count=1, price_from=None)

    result = browse()

    assert result.total == 4
    assert _facet(result, "metal") == {"gold": 2, "platinum": 1, "silver": 1}
    assert _facet(result, "fineness") == {"gold-750": 1, "gold-990": 1, "platinum-950": 1, "silver-925": 1}
    assert _facet(result, "gem") == {"diamond": 2}
    assert _facet(result, "cert_lab") == {"GIA": 2}
    assert _facet(result, "carat") == {"0.3-0.5": 1, "1-2": 1}
    assert _facet(result, "price") == {"lt2000": 1, "5000-10000": 1, "10000-30000": 1}
    assert _facet(result, "in_stock_online") == {"true": 1}


def test_a_facet_is_counted_without_its_own_filter_but_with_the_others():
    StyleFactory(metal="gold", gem="diamond")
    StyleFactory(metal="gold", gem="")
    StyleFactory(metal="silver", fineness=925, gem="diamond")
    StyleFactory(metal="platinum", fineness=950, gem="ruby")

    result = browse(filters=BrowseFilters(metal="gold", gem="diamond"))

    assert result.total == 1
    assert _facet(result, "metal") == {"gold": 1, "silver": 1}  # every metal among diamond styles
    assert _facet(result, "gem") == {"diamond": 1}  # every gem among gold styles
    assert _facet(result, "fineness") == {"gold-990": 1}  # both filters apply
    selected = [v.value for v in result.facets["metal"] if v.selected]
    assert selected == ["gold"]


def test_bucket_facets_exclude_their_own_range_filter():
    StyleFactory(price_from=Decimal("1000"), carat_max=Decimal("0.2"))
    StyleFactory(price_from=Decimal("3000"), carat_max=Decimal("0.2"))
    StyleFactory(price_from=Decimal("3000"), carat_max=Decimal("1.5"))

    result = browse(filters=BrowseFilters(price_range="2000-5000", carat_range="lt0.3"))

    assert result.total == 1
    assert _facet(result, "price") == {"lt2000": 1, "2000-5000": 1}
    assert _facet(result, "carat") == {"lt0.3": 1, "1-2": 1}


def test_category_facet_rolls_counts_up_to_parents():
    rings = CategoryFactory(name="戒指", slug="rings")
    wedding = CategoryFactory(name="对戒", slug="wedding-rings", parent=rings)
    bangles = CategoryFactory(name="手镯", slug="bangles")
    StyleFactory(category=rings)
    StyleFactory(category=wedding)
    StyleFactory(category=wedding)
    StyleFactory(category=bangles)

    result = browse(filters=BrowseFilters(category="wedding-rings"))

    assert result.total == 2
    assert _facet(result, "category") == {"rings": 3, "wedding-rings": 2, "bangles": 1}
    child = next(v for v in result.facets["category"] if v.value == "wedding-rings")
    assert child.parent == "rings"
    assert child.selected


def test_store_facet_counts_styles_per_store_with_other_filters():
    shanghai = LocationFactory(code="sh-1", name="上海店")
    beijing = LocationFactory(code="bj-1", name="北京店")
    warehouse = LocationFactory(code="wh-1", kind=Location.Kind.WAREHOUSE)
    closed = LocationFactory(code="gz-1", is_active=False)
    gold, silver = StyleFactory(metal="gold"), StyleFactory(metal="silver", fineness=925)
    _stock(gold, shanghai)
    _stock(gold, shanghai)
    _stock(gold, beijing)
    _stock(silver, shanghai)
    _stock(silver, warehouse)
    _stock(silver, closed)
    _stock(silver, beijing, PieceStatus.SOLD)

    everything = browse(filters=BrowseFilters(store="bj-1"))
    gold_only = browse(filters=BrowseFilters(metal="gold"))

    assert _facet(everything, "store") == {"sh-1": 2, "bj-1": 1}
    assert _facet(gold_only, "store") == {"sh-1": 1, "bj-1": 1}
    assert everything.total == 1


def test_facets_follow_the_query():
    StyleFactory(title="古法手镯", metal="gold")
    StyleFactory(title="银手镯", metal="silver", fineness=925)
    rings = CategoryFactory(name="戒指", name_en="Rings", slug="rings")
    StyleFactory(title="铂金戒指", title_en="", metal="platinum", fineness=950, category=rings)
    _indexed(*Style.objects.all())

    result = browse(query="手镯")

    assert _facet(result, "metal") == {"gold": 1, "silver": 1}


# --- sorting and paging ---------------------------------------------------------------------


@pytest.fixture
def priced():
    now = timezone.now()
    a = StyleFactory(price_from=Decimal("300"), popularity=5, published_at=now - timedelta(days=3))
    b = StyleFactory(price_from=None, popularity=50, published_at=now - timedelta(days=1))
    c = StyleFactory(price_from=Decimal("100"), popularity=1, published_at=now - timedelta(days=2))
    d = StyleFactory(price_from=Decimal("200"), popularity=10, published_at=now)
    return a, b, c, d


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("price_asc", "cdab"),
        ("price_desc", "adcb"),
        ("newest", "dbca"),
        ("popular", "bdac"),
        ("relevance", "dbca"),  # no query: newest first
    ],
)
def test_sort_orders(priced, sort, expected):
    names = dict(zip("abcd", [s.id for s in priced], strict=True))

    result = browse(sort=sort)

    assert [s.id for s in result.items] == [names[x] for x in expected]


def test_paging_counts_pages_and_clamps_the_page():
    for _ in range(5):
        StyleFactory()

    second = browse(per_page=2, page=2)
    beyond = browse(per_page=2, page=99)

    assert (second.total, second.pages, second.page, len(second.items)) == (5, 3, 2, 2)
    assert (beyond.page, len(beyond.items)) == (3, 1)
    assert browse(per_page=1000).per_page == 100


def test_a_page_takes_the_same_number_of_queries_whatever_its_size(django_assert_num_queries):
    shop = LocationFactory(code="sh-1")
    heritage = Collection.objects.create(name="传承", slug="heritage")
    for i in range(60):
        style = StyleFactory(title=f"足金手镯{i}", collection=heritage if i % 2 else None, price_from=Decimal(1000 + i))
        if i % 10 == 0:
            _stock(style, shop)
    _indexed(*Style.objects.all())
    filters = BrowseFilters(metal="gold", price_range="lt2000")

    with CaptureQueriesContext(connection) as small:
        result = browse(query="手镯", filters=filters, per_page=5)
    cache.clear()  # facet counts are cached per generation; measure the uncached cost again
    with django_assert_num_queries(len(small.captured_queries)):
        result = browse(query="手镯", filters=filters, per_page=50)
        for style in result.items:
            _ = (style.category.name, style.collection and style.collection.name, style.listing_images)

    assert len(result.items) == 50
    assert len(small.captured_queries) <= 9  # with the cache generation


def test_facet_counts_are_reused_until_the_catalog_changes(django_assert_max_num_queries):
    for i in range(6):
        StyleFactory(title=f"足金手镯{i}", price_from=Decimal(1000 + i))
    _indexed(*Style.objects.all())
    filters = BrowseFilters(metal="gold")
    first = browse(query="手镯", filters=filters, sort="newest")
    # Another sort order and page of the same search: only the generation and the page are read.
    with django_assert_max_num_queries(4):
        again = browse(query="手镯", filters=filters, sort="price_asc", per_page=2, page=2)
    assert again.facets == first.facets and again.total == first.total == 6
