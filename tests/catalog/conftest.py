"""Fixtures for catalog service tests: styles built through the services, and a row counter that
proves a refused call wrote nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.catalog import services
from auric.catalog.models import Certificate, MediaAsset, Piece, SearchDocument, Stone, Style, Variant
from auric.core.models import AuditEntry, OutboxEvent
from tests.factories import CategoryFactory, UserFactory

COUNTED = (Style, Variant, Piece, Stone, Certificate, MediaAsset, SearchDocument, AuditEntry, OutboxEvent)


def row_counts() -> dict[str, int]:
    """Rows in every table a catalog service writes."""
    return {model.__name__: model.objects.count() for model in COUNTED}


@pytest.fixture
def staff():
    return UserFactory(username="merchandiser", is_staff=True)


@pytest.fixture
def category():
    return CategoryFactory(name="手镯", name_en="Bangles", slug="bangles")


@pytest.fixture
def gold_style(category):
    """A by-weight 足金 bangle, draft."""
    return services.create_style(
        code="AU-BANGLE-1",
        title="足金古法手镯",
        title_en="Ancient-method pure gold bangle",
        category=category,
        pricing_mode="by_weight",
        labour_fee=Decimal("20.00"),
        labour_basis="per_gram",
    )


@pytest.fixture
def gold_variant(gold_style):
    return services.add_variant(style=gold_style, sku="AU-BANGLE-1-56", metal="gold", fineness=990, size="56")


@pytest.fixture
def ring_style(category):
    """A fixed-price 18K gold diamond ring with no style-level price (variants or pieces carry it)."""
    return services.create_style(
        code="DR-RING-1",
        title="18K金钻石戒指",
        title_en="18K gold diamond ring",
        category=category,
        pricing_mode="fixed",
    )


@pytest.fixture
def ring_variant(ring_style):
    return services.add_variant(
        style=ring_style, sku="DR-RING-1-12", metal="gold", fineness=750, size="12", fixed_price=Decimal("12800.00")
    )
