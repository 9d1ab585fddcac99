"""Never sell one piece twice: many shoppers reserving at the same instant, on real connections.

Each thread has its own database connection and starts at the same moment (a Barrier). Runs on
PostgreSQL (row locks) and on a file-backed SQLite test database (IMMEDIATE transactions); an
in-memory SQLite database cannot be shared between threads, so there the test is skipped — set
AURIC_TEST_DB_NAME to a file path to run it.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from auric.catalog.models import Style
from auric.inventory import services
from auric.inventory.models import PieceStatus, PieceStock, Reservation, StockLevel, StockMovement, Transfer
from auric.inventory.services import InsufficientStock, PieceUnavailable
from tests.factories import PieceFactory, VariantFactory

THREADS = 16

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _shared_database(transactional_db):
    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("needs a database shared by threads: set AURIC_TEST_DB_NAME to a file path for SQLite")


def race(task: Callable[[int], Any]) -> list[Any]:
    """Run task(i) in THREADS threads released at once; returns each result or the exception raised."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[i] = task(i)
        except Exception as exc:  # collected and asserted on by the test
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return results


def test_sixteen_shoppers_reserving_one_piece_get_exactly_one_hold(warehouse):
    piece = PieceFactory()
    services.receive_piece(piece=piece, location=warehouse)

    results = race(lambda i: services.reserve_piece(piece=piece, reference=f"CHK-{i}"))

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Reservation": 1, "PieceUnavailable": THREADS - 1}, results
    assert Reservation.objects.filter(piece=piece).count() == 1
    assert Reservation.objects.get(piece=piece).state == Reservation.State.ACTIVE
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.RESERVED
    assert StockMovement.objects.filter(piece=piece, kind=StockMovement.Kind.RESERVED).count() == 1
    assert all(isinstance(r, (Reservation, PieceUnavailable)) for r in results)


def test_sixteen_shoppers_reserving_one_unit_each_of_five_get_exactly_five(warehouse):
    variant = VariantFactory(is_serialized=False)
    services.receive_quantity(variant=variant, location=warehouse, quantity=5)

    results = race(
        lambda i: services.reserve_quantity(variant=variant, location=warehouse, quantity=1, reference=f"CHK-{i}")
    )

    outcomes = Counter(type(r).__name__ for r in results)
    assert outcomes == {"Reservation": 5, "InsufficientStock": THREADS - 5}, results
    assert all(isinstance(r, (Reservation, InsufficientStock)) for r in results)
    level = StockLevel.objects.get(variant=variant, location=warehouse)
    assert (level.on_hand, level.reserved) == (5, 5)
    assert Reservation.objects.filter(variant=variant, state=Reservation.State.ACTIVE).count() == 5


def test_concurrent_holds_on_different_pieces_of_one_style_keep_the_count_exact(warehouse):
    variant = VariantFactory()
    pieces = [PieceFactory(variant=variant) for _ in range(THREADS)]
    for piece in pieces:
        services.receive_piece(piece=piece, location=warehouse)

    results = race(lambda i: services.reserve_piece(piece=pieces[i], reference=f"CHK-{i}"))

    assert all(isinstance(r, Reservation) for r in results), results
    style = Style.objects.get(pk=variant.style_id)
    assert (style.available_count, style.online_count) == (0, 0)


def test_transfers_and_holds_racing_over_the_same_pieces_never_both_win(warehouse, store):
    pieces = [PieceFactory() for _ in range(4)]
    for piece in pieces:
        services.receive_piece(piece=piece, location=warehouse)

    def task(i: int) -> Any:
        if i % 2:
            return services.transfer_pieces(pieces=list(reversed(pieces)) if i % 4 == 1 else pieces, to_location=store)
        return services.reserve_piece(piece=pieces[i % 4], reference=f"CHK-{i}")

    race(task)

    shipped = Transfer.objects.count()
    assert shipped <= 1  # every transfer asks for all four pieces: at most one can get them
    for piece in pieces:
        stock = PieceStock.objects.get(piece=piece)
        held = Reservation.objects.filter(piece=piece, state=Reservation.State.ACTIVE).count()
        expected = {(PieceStatus.IN_TRANSIT, 0)} if shipped else {(PieceStatus.RESERVED, 1), (PieceStatus.AVAILABLE, 0)}
        assert (stock.status, held) in expected
        assert services.replay_piece_state(piece) == (stock.location_id, stock.status)
