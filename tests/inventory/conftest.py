"""Inventory fixtures: an online warehouse, two stores, and pieces put into stock by the service."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.catalog.models import Piece
from auric.inventory import services
from auric.inventory.models import Location, PieceStock
from tests.factories import LocationFactory, PieceFactory, UserFactory


@pytest.fixture
def warehouse() -> Location:
    return LocationFactory(
        code="wh-sh",
        name="上海中心仓",
        kind=Location.Kind.WAREHOUSE,
        sells_online=True,
        city="上海",
        city_en="Shanghai",
    )


@pytest.fixture
def store() -> Location:
    return LocationFactory(code="st-bj", name="北京国贸店", kind=Location.Kind.STORE, city="北京", city_en="Beijing")


@pytest.fixture
def other_store() -> Location:
    return LocationFactory(code="st-cd", name="成都太古里店", kind=Location.Kind.STORE, city="成都", city_en="Chengdu")


@pytest.fixture
def staff():
    return UserFactory(username="stock-clerk", is_staff=True)


@pytest.fixture
def stocked(warehouse):
    """Make a piece and receive it at a location (the warehouse by default)."""

    def make(location: Location | None = None, **piece_fields) -> Piece:
        piece_fields.setdefault("price", Decimal("23000.00"))
        piece = PieceFactory(**piece_fields)
        services.receive_piece(piece=piece, location=location or warehouse)
        return piece

    return make


@pytest.fixture
def journal_matches_state():
    """Check that the journal alone rebuilds where a piece is and what state it is in."""

    def check(piece: Piece) -> bool:
        stock = PieceStock.objects.get(piece=piece)
        return services.replay_piece_state(piece) == (stock.location_id, stock.status)

    return check
