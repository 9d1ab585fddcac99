"""What migration 0005 and the cheaper facet queries must keep: same results, stored search vector."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from auric.catalog.models import SearchDocument
from auric.catalog.search import BrowseFilters, browse, index_styles
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

postgresql_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL stores the tsvector")


class _Editor:
    """Just what the migration's functions use of a schema editor."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _scalar(sql: str, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _tsv_column() -> str | None:
    """'ALWAYS' when catalog_searchdocument.tsv is a generated column, None when it is missing."""
    return _scalar(
        "SELECT max(is_generated) FROM information_schema.columns "
        "WHERE table_name = 'catalog_searchdocument' AND column_name = 'tsv'"
    )


def _index(name: str) -> bool:
    return _scalar("SELECT count(*) FROM pg_indexes WHERE indexname = %s", (name,)) == 1


def _stock(style, location, status=PieceStatus.AVAILABLE) -> None:
    PieceStockFactory(piece=PieceFactory(variant=VariantFactory(style=style)), location=location, status=status)


@postgresql_only
def test_postgresql_keeps_a_stored_generated_search_vector_with_its_own_index():
    assert _tsv_column() == "ALWAYS"
    assert _index("catalog_searchdocument_tsv_idx")
    assert not _index("catalog_searchdocument_fts_idx")  # 0004's expression index is no longer used


@postgresql_only
def test_the_stored_vector_follows_the_document_text_when_reindexed():
    style = StyleFactory(title="錾花手镯")
    index_styles(style_ids=[style.id])
    style.title = "花丝吊坠"
    style.save()

    index_styles(style_ids=[style.id])

    vector = _scalar("SELECT tsv::text FROM catalog_searchdocument WHERE style_id = %s", (style.id,))
    assert "'花丝'" in vector and "'錾花'" not in vector
    assert [s.id for s in browse(query="花丝").items] == [style.id]
    assert browse(query="錾花").items == []


def test_migration_0005_reverses_and_reapplies_and_search_still_finds_documents():
    migration = importlib.import_module("auric.catalog.migrations.0005_search_performance")
    operation = migration.Migration.operations[0]
    style = StyleFactory(title="錾花手镯")
    index_styles(style_ids=[style.id])
    if connection.vendor == "postgresql":  # fire the deferred FK checks so the table can be altered
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    operation.reverse_code(None, _Editor())
    if connection.vendor == "postgresql":
        assert _tsv_column() is None
        assert _index("catalog_searchdocument_fts_idx")
    operation.code(None, _Editor())

    if connection.vendor == "postgresql":
        assert _tsv_column() == "ALWAYS"
        assert _scalar("SELECT count(*) FROM catalog_searchdocument WHERE tsv IS NOT NULL") == 1
    assert [s.id for s in browse(query="錾花", filters=BrowseFilters()).items] == [style.id]


def test_relevance_order_puts_the_better_match_first():
    weak = StyleFactory(title="手镯", title_en="Bangle", description="古法")
    strong = StyleFactory(title="古法手镯", title_en="Bangle", description="古法 古法手镯")
    index_styles(style_ids=[weak.id, strong.id])

    result = browse(query="古法 手镯", sort="relevance")

    assert [s.id for s in result.items] == [strong.id, weak.id]
    assert SearchDocument.objects.count() == 2


def test_store_facet_gives_names_and_counts_styles_of_the_search_only_once_per_store():
    shop = LocationFactory(code="sh-1", name="上海店", name_en="Shanghai")
    other = LocationFactory(code="bj-1", name="北京店", name_en="Beijing")
    warehouse = LocationFactory(code="wh-1", kind=Location.Kind.WAREHOUSE)
    bangle, other_bangle = StyleFactory(title="古法手镯"), StyleFactory(title="錾花手镯")
    rings = CategoryFactory(name="戒指", name_en="Rings", slug="rings")
    ring = StyleFactory(title="铂金戒指", title_en="Platinum ring", category=rings)
    index_styles(style_ids=[bangle.id, other_bangle.id, ring.id])
    for _ in range(3):
        _stock(bangle, shop)
    _stock(other_bangle, shop)
    _stock(other_bangle, other, PieceStatus.RESERVED)
    _stock(ring, other)
    _stock(bangle, warehouse)

    facet = browse(query="手镯").facets["store"]

    assert [(v.value, v.label, v.label_en, v.count, v.selected) for v in facet] == [
        ("sh-1", "上海店", "Shanghai", 2, False)
    ]


def test_store_facet_is_empty_when_a_filter_can_match_nothing():
    _stock(StyleFactory(), LocationFactory(code="sh-1"))

    result = browse(filters=BrowseFilters(category="no-such-category"))

    assert result.total == 0
    assert result.facets["store"] == []
