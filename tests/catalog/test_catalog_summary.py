"""The style summary (metal, fineness, gem, carat_max, cert_lab) kept by the catalog services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auric.catalog import services
from auric.catalog.models import Style
from tests.factories import CertificateFactory, PieceFactory, StoneFactory, StyleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def _summary(style: Style) -> tuple:
    style.refresh_from_db()
    return (style.metal, style.fineness, style.gem, style.carat_max, style.cert_lab)


def test_summary_takes_the_most_common_mark_gem_and_lab_and_the_largest_main_stone():
    style = StyleFactory(metal="", fineness=None)
    gold = VariantFactory(style=style, metal="gold", fineness=750)
    VariantFactory(style=style, metal="gold", fineness=750)
    platinum = VariantFactory(style=style, metal="platinum", fineness=950)
    for variant, kind, carat, lab in [
        (gold, "diamond", "0.50", "GIA"),
        (gold, "diamond", "1.20", "NGTC"),
        (platinum, "ruby", "2.00", "NGTC"),
    ]:
        piece = PieceFactory(variant=variant)
        StoneFactory(piece=piece, kind=kind, carat=Decimal(carat), colour="", clarity="", cut="")
        StoneFactory(piece=piece, kind="sapphire", carat=Decimal("3.00"), is_main=False, colour="", clarity="", cut="")
        CertificateFactory(piece=piece, lab=lab)

    services.refresh_catalog_summary(style_ids=[style.pk])

    assert _summary(style) == ("gold", 750, "diamond", Decimal("2.00"), "NGTC")


def test_summary_ties_go_to_the_higher_purity_and_the_vocabulary_order():
    style = StyleFactory(metal="", fineness=None)
    VariantFactory(style=style, metal="gold", fineness=750)
    VariantFactory(style=style, metal="gold", fineness=990)

    services.refresh_catalog_summary(style_ids=[style.pk])

    assert _summary(style)[:2] == ("gold", 990)


def test_summary_of_a_style_without_variants_is_empty():
    style = StyleFactory(metal="gold", fineness=990, gem="diamond", cert_lab="GIA")
    services.refresh_catalog_summary(style_ids=[style.pk])
    assert _summary(style) == ("", None, "", None, "")


def test_summary_uses_the_same_number_of_queries_for_any_number_of_styles():
    def styles(n: int) -> list[int]:
        ids = []
        for _ in range(n):
            piece = PieceFactory()
            StoneFactory(piece=piece)
            CertificateFactory(piece=piece)
            ids.append(piece.style_id)
        return ids

    few, many = styles(2), styles(10)
    with CaptureQueriesContext(connection) as for_few:
        services.refresh_catalog_summary(style_ids=few)
    with CaptureQueriesContext(connection) as for_many:
        assert services.refresh_catalog_summary(style_ids=many) == 10
    assert len(for_few) == len(for_many) <= 7


def test_summary_of_no_styles_runs_no_query():
    with CaptureQueriesContext(connection) as queries:
        assert services.refresh_catalog_summary(style_ids=[]) == 0
    assert len(queries) == 0
