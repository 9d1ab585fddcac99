"""The availability summary on Style and the inventory read queries."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from auric.catalog.models import Style
from auric.core import events
from auric.inventory import selectors, services
from auric.inventory.models import Location
from tests.factories import LocationFactory, PieceFactory, StyleFactory, VariantFactory

pytestmark = pytest.mark.django_db


def summary(style: Style) -> tuple[int, int, Decimal | None]:
    style.refresh_from_db()
    return style.available_count, style.online_count, style.price_from


def test_movements_keep_counts_of_available_pieces_anywhere_and_online(stocked, store):
    style = StyleFactory()
    online = stocked(variant=VariantFactory(style=style))
    in_store = stocked(variant=VariantFactory(style=style), location=store)
    assert summary(style)[:2] == (2, 1)

    services.reserve_piece(piece=online, reference="CHK-1")
    assert summary(style)[:2] == (1, 0)

    services.quarantine_piece(piece=in_store, reason="check")
    assert summary(style)[:2] == (0, 0)


def test_units_of_quantity_stock_count_towards_availability(warehouse, store):
    variant = VariantFactory(is_serialized=False)
    services.receive_quantity(variant=variant, location=warehouse, quantity=4)
    services.receive_quantity(variant=variant, location=store, quantity=2)
    services.reserve_quantity(variant=variant, location=warehouse, quantity=1, reference="CHK-1")

    assert summary(variant.style)[:2] == (5, 3)


def test_price_from_is_the_lowest_price_among_available_pieces(stocked):
    style = StyleFactory()
    cheap = stocked(variant=VariantFactory(style=style), price=Decimal("9000.00"))
    stocked(variant=VariantFactory(style=style), price=Decimal("12000.00"))
    assert summary(style)[2] == Decimal("9000.00")

    services.reserve_piece(piece=cheap, reference="CHK-1")

    assert summary(style)[2] == Decimal("12000.00")


def test_price_from_falls_back_to_all_pieces_when_none_is_available(stocked):
    style = StyleFactory()
    piece = stocked(variant=VariantFactory(style=style), price=Decimal("9000.00"))

    services.reserve_piece(piece=piece, reference="CHK-1")

    assert summary(style) == (0, 0, Decimal("9000.00"))


def test_a_fixed_price_style_without_piece_prices_shows_its_fixed_price():
    style = StyleFactory(pricing_mode=Style.PricingMode.FIXED, fixed_price=Decimal("5200.00"))
    PieceFactory(variant=VariantFactory(style=style), price=None)

    services.refresh_style_availability(style_ids=[style.pk])

    assert summary(style)[2] == Decimal("5200.00")


def test_refreshing_costs_the_same_queries_for_3_or_30_styles(warehouse, store):
    def make(n: int) -> list[int]:
        ids = []
        for i in range(n):
            style = StyleFactory()
            for location in (warehouse, store):
                services.receive_piece(
                    piece=PieceFactory(variant=VariantFactory(style=style), price=Decimal(1000 + i)), location=location
                )
            ids.append(style.pk)
        Style.objects.filter(pk__in=ids).update(available_count=0, online_count=0, price_from=None)
        return ids

    few, many = make(3), make(30)
    with CaptureQueriesContext(connection) as three:
        services.refresh_style_availability(style_ids=few)
    with CaptureQueriesContext(connection) as thirty:
        services.refresh_style_availability(style_ids=many)

    assert len(three) == len(thirty) <= 8
    assert all(summary(Style.objects.get(pk=pk))[:2] == (2, 1) for pk in many)


def test_a_prices_changed_event_refreshes_price_from(stocked, django_capture_on_commit_callbacks):
    from django.db import transaction

    style = StyleFactory()
    piece = stocked(variant=VariantFactory(style=style), price=Decimal("9000.00"))
    type(piece).objects.filter(pk=piece.pk).update(price=Decimal("9500.00"))  # what pricing does

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish("pricing.PricesChanged", {"style_ids": [style.pk]})

    assert summary(style)[2] == Decimal("9500.00")


def test_availability_lists_every_active_store_and_warehouse_in_shopper_order(stocked, warehouse, store, other_store):
    style = StyleFactory()
    stocked(variant=VariantFactory(style=style), location=other_store)
    stocked(variant=VariantFactory(style=style), location=other_store)
    LocationFactory(code="closed", is_active=False)
    back = LocationFactory(code="wh-back", kind=Location.Kind.WAREHOUSE, sells_online=False)
    units = VariantFactory(style=style, is_serialized=False)
    services.receive_quantity(variant=units, location=warehouse, quantity=3)

    with CaptureQueriesContext(connection) as queries:
        rows = selectors.availability_by_location(style=style)

    assert len(queries) == 3
    assert [(r.location.code, r.available_pieces, r.available_quantity) for r in rows] == [
        ("wh-sh", 0, 3),
        ("st-bj", 0, 0),  # Beijing before Chengdu
        ("st-cd", 2, 0),
        (back.code, 0, 0),
    ]


def test_stock_value_counts_cost_of_available_and_reserved_pieces(stocked, warehouse, store):
    held = stocked(cost=Decimal("100.00"))
    stocked(cost=Decimal("50.50"))
    sold = stocked(cost=Decimal("999.00"))
    services.reserve_piece(piece=held, reference="CHK-1")
    services.consume_reservation(reservation=services.reserve_piece(piece=sold, reference="O-1"))

    values = {row.location.code: (row.pieces, row.cost) for row in selectors.stock_value_by_location()}

    assert values["wh-sh"] == (2, Decimal("150.50"))
    assert values["st-bj"] == (0, Decimal("0.00"))


def test_journal_for_piece_lists_its_movements_oldest_first(stocked, store):
    piece = stocked()
    services.receive_transfer(transfer=services.transfer_pieces(pieces=[piece], to_location=store))

    kinds = [m.kind for m in selectors.journal_for_piece(piece=piece)]

    assert kinds == ["received", "transfer_out", "transfer_in"]
