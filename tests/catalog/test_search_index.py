"""The search document of a style and the vendor full-text index kept over it."""

from __future__ import annotations

import importlib
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auric.catalog.models import Certificate, Collection, SearchDocument, Stone, Tag
from auric.catalog.search import BrowseFilters, browse, index_styles
from tests.factories import CategoryFactory, PieceFactory, StyleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _words(style) -> set[str]:
    return set(SearchDocument.objects.get(style=style).text.split())


def test_document_holds_titles_descriptions_category_collection_and_tags():
    parent = CategoryFactory(name="首饰", name_en="Jewellery", slug="jewellery")
    category = CategoryFactory(name="手镯", name_en="Bangles", slug="bangles", parent=parent)
    collection = Collection.objects.create(name="传承系列", name_en="Heritage", slug="heritage")
    style = StyleFactory(
        title="足金古法手镯",
        title_en="Ancient-method gold bangle",
        description="福字纹",
        description_en="Lucky pattern",
        category=category,
        collection=collection,
    )
    style.tags.add(Tag.objects.get(code="gufa"))

    index_styles(style_ids=[style.id])

    words = _words(style)
    assert {"足金", "古法", "手镯", "ancient", "bangle", "福字", "lucky"} <= words
    assert {"首饰", "jewellery", "bangles"} <= words
    assert {"传承", "heritage"} <= words
    assert {"古法黄金", "ancient"} <= words


def test_document_holds_metal_fineness_gem_and_certificate_lab():
    style = StyleFactory(title="钻戒", metal="gold", fineness=750, gem="diamond", cert_lab="GIA")
    piece = PieceFactory(variant=VariantFactory(style=style, metal="platinum", fineness=950))
    Stone.objects.create(piece=piece, kind="ruby", carat=Decimal("0.30"))
    Certificate.objects.create(piece=piece, lab="NGTC", report_number="N1", issued_on="2026-01-01")

    index_styles(style_ids=[style.id])

    words = _words(style)
    assert {"18k金", "18k", "gold", "金"} <= words
    assert {"pt950", "铂950", "platinum"} <= words
    assert {"钻石", "diamond", "红宝石", "ruby"} <= words
    assert {"gia", "ngtc"} <= words


def test_indexing_uses_the_same_number_of_queries_for_any_number_of_styles():
    few = [StyleFactory() for _ in range(2)]
    many = [StyleFactory() for _ in range(12)]
    for style in few + many:
        style.tags.add(Tag.objects.get(code="gufa"))
        PieceFactory(variant=VariantFactory(style=style))

    with CaptureQueriesContext(connection) as small:
        index_styles(style_ids=[s.id for s in few])
    with CaptureQueriesContext(connection) as large:
        index_styles(style_ids=[s.id for s in many])

    assert len(small.captured_queries) == len(large.captured_queries)
    assert SearchDocument.objects.count() == 14


def test_reindexing_replaces_the_old_words():
    style = StyleFactory(title="珐琅吊坠", title_en="Enamel pendant")
    index_styles(style_ids=[style.id])
    style.title, style.title_en = "花丝耳环", "Filigree earrings"
    style.save()

    index_styles(style_ids=[style.id])

    assert [s.id for s in browse(query="花丝").items] == [style.id]
    assert browse(query="珐琅").total == 0


def test_a_deleted_style_leaves_the_index():
    style = StyleFactory(title="点翠发簪")
    index_styles(style_ids=[style.id])
    assert browse(query="点翠").total == 1

    style.delete()
    cache.clear()  # a raw delete publishes no event; facet counts cached before it would still show it

    assert browse(query="点翠").total == 0


def test_unknown_ids_are_ignored():
    assert index_styles(style_ids=[987654]) == 0
    assert index_styles(style_ids=[]) == 0


class _Editor:
    """Just what the migration's functions use of a schema editor."""

    def __init__(self):
        self.connection = connection

    def execute(self, sql, params=None):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def _index_exists() -> bool:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'catalog_search_fts'")
        else:
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'catalog_searchdocument_fts_idx'")
        return cursor.fetchone()[0] == 1


def test_the_migration_reverses_and_reapplies_and_indexes_existing_documents():
    migration = importlib.import_module("auric.catalog.migrations.0004_search_fts")
    operation = migration.Migration.operations[0]
    style = StyleFactory(title="錾花手镯")
    index_styles(style_ids=[style.id])

    if connection.vendor == "postgresql":  # fire the deferred FK checks so the index can be built
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    operation.reverse_code(None, _Editor())
    assert not _index_exists()
    operation.code(None, _Editor())

    assert _index_exists()
    assert [s.id for s in browse(query="錾花", filters=BrowseFilters()).items] == [style.id]


def test_reindex_search_command_indexes_every_style():
    styles = [StyleFactory(title="翡翠吊坠"), StyleFactory(title="和田玉手镯")]
    out = io.StringIO()

    call_command("reindex_search", "--rebuild-fts", stdout=out)

    assert "Indexed 2 styles" in out.getvalue()
    assert SearchDocument.objects.count() == 2
    assert [s.id for s in browse(query="翡翠").items] == [styles[0].id]


def test_reindex_search_command_takes_style_codes():
    wanted, other = StyleFactory(code="AU-JADE"), StyleFactory()
    err = io.StringIO()

    call_command("reindex_search", "AU-JADE", "AU-NONE", stdout=io.StringIO(), stderr=err)

    assert list(SearchDocument.objects.values_list("style_id", flat=True)) == [wanted.id]
    assert other.id != wanted.id
    assert "AU-NONE" in err.getvalue()
