"""Reservations lapse: the job frees expired holds, and a lapsed hold never blocks a new shopper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from auric.inventory import services
from auric.inventory.models import PieceStatus, PieceStock, Reservation, StockLevel, StockMovement
from auric.inventory.services import ReservationClosed
from tests.factories import VariantFactory

pytestmark = pytest.mark.django_db


def test_expiry_frees_only_the_holds_whose_time_is_up(stocked, journal_matches_state):
    lapsed, current = stocked(), stocked()
    old = services.reserve_piece(piece=lapsed, reference="CHK-1", until=timezone.now() + timedelta(minutes=1))
    services.reserve_piece(piece=current, reference="CHK-2", until=timezone.now() + timedelta(hours=1))

    expired = services.expire_reservations(now=timezone.now() + timedelta(minutes=5))

    assert expired == 1
    old.refresh_from_db()
    assert old.state == Reservation.State.EXPIRED
    assert PieceStock.objects.get(piece=lapsed).status == PieceStatus.AVAILABLE
    assert PieceStock.objects.get(piece=current).status == PieceStatus.RESERVED
    release = StockMovement.objects.get(piece=lapsed, kind=StockMovement.Kind.RELEASED)
    assert release.note == "expired"
    assert journal_matches_state(lapsed) and journal_matches_state(current)


def test_expiry_returns_reserved_units_of_quantity_stock(warehouse):
    variant = VariantFactory(is_serialized=False)
    services.receive_quantity(variant=variant, location=warehouse, quantity=3)
    services.reserve_quantity(
        variant=variant, location=warehouse, quantity=2, reference="CHK-1", until=timezone.now() + timedelta(minutes=1)
    )

    assert services.expire_reservations(now=timezone.now() + timedelta(minutes=2)) == 1

    level = StockLevel.objects.get(variant=variant)
    assert (level.on_hand, level.reserved) == (3, 0)


def test_an_expired_reservation_can_no_longer_be_consumed(stocked):
    piece = stocked()
    reservation = services.reserve_piece(piece=piece, reference="CHK-1", until=timezone.now() + timedelta(minutes=1))
    services.expire_reservations(now=timezone.now() + timedelta(minutes=2))

    with pytest.raises(ReservationClosed):
        services.consume_reservation(reservation=reservation)

    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE


def test_a_new_shopper_takes_over_a_lapsed_hold_before_the_job_runs(stocked, journal_matches_state):
    piece = stocked()
    stale = services.reserve_piece(piece=piece, reference="CHK-1", until=timezone.now() + timedelta(milliseconds=1))
    Reservation.objects.filter(pk=stale.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    fresh = services.reserve_piece(piece=piece, reference="CHK-2")

    stale.refresh_from_db()
    assert stale.state == Reservation.State.EXPIRED
    assert fresh.state == Reservation.State.ACTIVE
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.RESERVED
    assert journal_matches_state(piece)


def test_expiring_twice_changes_nothing_the_second_time(stocked):
    piece = stocked()
    services.reserve_piece(piece=piece, reference="CHK-1", until=timezone.now() + timedelta(minutes=1))
    later = timezone.now() + timedelta(minutes=2)
    services.expire_reservations(now=later)
    journal = StockMovement.objects.count()

    assert services.expire_reservations(now=later) == 0
    assert StockMovement.objects.count() == journal


def test_the_expire_reservations_command_runs_the_job(stocked, capsys):
    piece = stocked()
    reservation = services.reserve_piece(piece=piece, reference="CHK-1")
    Reservation.objects.filter(pk=reservation.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    call_command("expire_reservations")

    assert "expired 1" in capsys.readouterr().out
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
