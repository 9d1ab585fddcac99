"""A registered piece is priced by the PieceRegistered handler, once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from auric.core import events
from auric.core.models import HandlerRun, OutboxEvent
from auric.pricing.events import price_registered_piece
from auric.pricing.models import PriceChange
from tests.factories import MetalPriceFactory

pytestmark = pytest.mark.django_db
D = Decimal


def register(piece) -> OutboxEvent:
    return events.publish(
        "catalog.PieceRegistered",
        {"piece_id": piece.pk, "style_id": piece.style_id},
        aggregate=f"catalog.piece:{piece.pk}",
    )


def test_a_registered_piece_is_priced_after_commit(make_gold_piece, django_capture_on_commit_callbacks):
    MetalPriceFactory(price_per_gram=D("780.00"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        piece = make_gold_piece("30.125")
        register(piece)
    piece.refresh_from_db()
    assert piece.price == D("24100.00")
    assert HandlerRun.objects.filter(handler__endswith="price_registered_piece", succeeded_at__isnull=False).exists()
    assert OutboxEvent.objects.filter(name="pricing.PricesChanged", payload__style_ids=[piece.style_id]).exists()


def test_pricing_a_registered_piece_twice_is_harmless(make_gold_piece):
    MetalPriceFactory(price_per_gram=D("780.00"))
    with transaction.atomic():
        piece = make_gold_piece("30.125")
        event = register(piece)
    price_registered_piece(event)
    price_registered_piece(event)
    piece.refresh_from_db()
    assert piece.price == D("24100.00")
    # A new piece is not a price change: the public log stays empty.
    assert PriceChange.objects.count() == 0
    assert OutboxEvent.objects.filter(name="pricing.PricesChanged").count() == 1


def test_a_piece_without_a_metal_price_is_left_unpriced_without_failing(
    make_gold_piece, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        piece = make_gold_piece()
        event = register(piece)
    piece.refresh_from_db()
    assert piece.price is None
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_a_registered_fixed_piece_gets_its_fixed_price(fixed_piece):
    with transaction.atomic():
        event = register(fixed_piece)
    price_registered_piece(event)
    fixed_piece.refresh_from_db()
    assert fixed_piece.price == D("9999.00")
