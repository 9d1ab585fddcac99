"""Quantity stock of non-serialized variants: counted, reserved, sold, never below zero."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from auric.core.errors import ValidationFailed
from auric.inventory import services
from auric.inventory.models import Reservation, StockLevel, StockMovement
from auric.inventory.services import InsufficientStock, ReservationClosed
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chain():
    return VariantFactory(is_serialized=False, sku="CHAIN-45")


def level(variant, location) -> tuple[int, int]:
    row = StockLevel.objects.get(variant=variant, location=location)
    return row.on_hand, row.reserved


def test_receiving_units_adds_to_on_hand_with_a_journal_row(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=5)
    services.receive_quantity(variant=chain, location=warehouse, quantity=2, reference="PO-7")

    assert level(chain, warehouse) == (7, 0)
    quantities = list(StockMovement.objects.filter(variant=chain).values_list("kind", "quantity"))
    assert quantities == [(StockMovement.Kind.RECEIVED, 5), (StockMovement.Kind.RECEIVED, 2)]


def test_serialized_variants_are_not_stocked_by_quantity(warehouse):
    with pytest.raises(ValidationFailed):
        services.receive_quantity(variant=VariantFactory(is_serialized=True), location=warehouse, quantity=1)


@pytest.mark.parametrize("quantity", [0, -3])
def test_quantities_must_be_positive(chain, warehouse, quantity):
    with pytest.raises(ValidationFailed):
        services.receive_quantity(variant=chain, location=warehouse, quantity=quantity)
    assert not StockLevel.objects.exists()


def test_reserving_units_holds_them(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=5)

    reservation = services.reserve_quantity(variant=chain, location=warehouse, quantity=3, reference="CHK-1")

    assert (reservation.variant_id, reservation.quantity, reservation.state) == (chain.pk, 3, Reservation.State.ACTIVE)
    assert level(chain, warehouse) == (5, 3)


def test_reserving_more_than_is_free_is_refused_and_writes_nothing(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=5)
    services.reserve_quantity(variant=chain, location=warehouse, quantity=4, reference="CHK-1")
    journal = StockMovement.objects.count()

    with pytest.raises(InsufficientStock):
        services.reserve_quantity(variant=chain, location=warehouse, quantity=2, reference="CHK-2")

    assert level(chain, warehouse) == (5, 4)
    assert Reservation.objects.count() == 1 and StockMovement.objects.count() == journal


def test_without_a_location_units_come_from_an_online_location_that_has_enough(chain, warehouse, store):
    services.receive_quantity(variant=chain, location=store, quantity=9)  # a store that does not sell online
    services.receive_quantity(variant=chain, location=warehouse, quantity=2)

    reservation = services.reserve_quantity(variant=chain, quantity=2, reference="CHK-1")

    assert reservation.location_id == warehouse.pk
    with pytest.raises(InsufficientStock):
        services.reserve_quantity(variant=chain, quantity=1, reference="CHK-2")


def test_consuming_units_takes_them_off_hand(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=5)
    reservation = services.reserve_quantity(variant=chain, location=warehouse, quantity=2, reference="CHK-1")

    services.consume_quantity(reservation=reservation)

    assert level(chain, warehouse) == (3, 0)
    assert StockMovement.objects.filter(variant=chain, kind=StockMovement.Kind.SOLD, quantity=2).exists()


def test_releasing_units_makes_them_free_again(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=5)
    reservation = services.reserve_quantity(variant=chain, location=warehouse, quantity=2, reference="CHK-1")

    services.release_quantity(reservation=reservation)

    assert level(chain, warehouse) == (5, 0)
    with pytest.raises(ReservationClosed):
        services.release_quantity(reservation=reservation)
    assert level(chain, warehouse) == (5, 0)


def test_the_database_refuses_more_reserved_than_on_hand(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(variant=chain).update(reserved=2)


def test_selling_everything_leaves_zero_and_nothing_more_can_be_reserved(chain, warehouse):
    services.receive_quantity(variant=chain, location=warehouse, quantity=2)
    for ref in ("A", "B"):
        services.consume_quantity(
            reservation=services.reserve_quantity(variant=chain, location=warehouse, quantity=1, reference=ref)
        )

    assert level(chain, warehouse) == (0, 0)
    with pytest.raises(InsufficientStock):
        services.reserve_quantity(variant=chain, location=warehouse, quantity=1, reference="C")
