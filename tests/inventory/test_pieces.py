"""Serialized pieces: every movement is journaled, illegal moves are refused and write nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from auric.core.errors import ValidationFailed
from auric.core.models import AuditEntry, OutboxEvent
from auric.inventory import services
from auric.inventory.models import Location, PieceStatus, PieceStock, Reservation, StockMovement, Transfer
from auric.inventory.services import IllegalMove, PieceUnavailable, ReservationClosed
from tests.factories import LocationFactory, PieceFactory

pytestmark = pytest.mark.django_db
Kind = StockMovement.Kind


def snapshot_rows():
    """Everything a refused movement must leave untouched."""
    return (
        list(PieceStock.objects.values_list("piece_id", "location_id", "status").order_by("piece_id")),
        StockMovement.objects.count(),
        Reservation.objects.count(),
        list(Reservation.objects.values_list("pk", "state").order_by("pk")),
        Transfer.objects.count(),
        OutboxEvent.objects.count(),
    )


def test_receiving_a_piece_puts_it_in_stock_with_a_journal_row(warehouse, journal_matches_state):
    piece = PieceFactory()

    stock = services.receive_piece(piece=piece, location=warehouse, reference="PO-1")

    assert (stock.location_id, stock.status) == (warehouse.pk, PieceStatus.AVAILABLE)
    movement = StockMovement.objects.get(piece=piece)
    assert (movement.kind, movement.location_id, movement.reference) == (Kind.RECEIVED, warehouse.pk, "PO-1")
    assert OutboxEvent.objects.filter(name="inventory.PieceReceived", payload__piece_id=piece.pk).exists()
    assert journal_matches_state(piece)


def test_receiving_a_piece_already_in_stock_is_refused(stocked, store):
    piece = stocked()
    before = snapshot_rows()

    with pytest.raises(IllegalMove):
        services.receive_piece(piece=piece, location=store)

    assert snapshot_rows() == before


def test_a_sold_piece_can_be_received_again_as_a_buyback(stocked, store, journal_matches_state):
    piece = stocked()
    services.consume_reservation(reservation=services.reserve_piece(piece=piece, reference="O-1"))

    services.receive_piece(piece=piece, location=store, reference="buyback")

    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
    assert journal_matches_state(piece)


def test_stock_is_not_received_at_an_inactive_location(warehouse):
    closed = LocationFactory(code="closed", is_active=False)

    with pytest.raises(ValidationFailed):
        services.receive_piece(piece=PieceFactory(), location=closed)

    assert not PieceStock.objects.exists()


def test_reserving_an_available_piece_holds_it_until_the_default_time(stocked, settings, journal_matches_state):
    piece = stocked()
    before = timezone.now()

    reservation = services.reserve_piece(piece=piece, reference="CHK-1")

    assert reservation.state == Reservation.State.ACTIVE and reservation.piece_id == piece.pk
    minutes = timedelta(minutes=settings.AURIC_RESERVATION_MINUTES)
    assert before + minutes <= reservation.expires_at <= timezone.now() + minutes
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.RESERVED
    assert StockMovement.objects.filter(piece=piece, kind=Kind.RESERVED, reservation=reservation).exists()
    assert OutboxEvent.objects.filter(name="inventory.PieceReserved").exists()
    assert journal_matches_state(piece)


def test_reserving_a_reserved_piece_is_refused_and_writes_nothing(stocked):
    piece = stocked()
    services.reserve_piece(piece=piece, reference="CHK-1")
    before = snapshot_rows()

    with pytest.raises(PieceUnavailable) as refused:
        services.reserve_piece(piece=piece, reference="CHK-2")

    assert refused.value.status == 409
    assert snapshot_rows() == before


def test_reserving_a_sold_piece_is_refused_and_writes_nothing(stocked):
    piece = stocked()
    services.consume_reservation(reservation=services.reserve_piece(piece=piece, reference="O-1"))
    before = snapshot_rows()

    with pytest.raises(PieceUnavailable):
        services.reserve_piece(piece=piece, reference="O-2")

    assert snapshot_rows() == before


def test_reserving_a_piece_not_in_stock_is_refused():
    with pytest.raises(PieceUnavailable):
        services.reserve_piece(piece=PieceFactory(), reference="O-1")
    assert not Reservation.objects.exists()


def test_a_reservation_must_end_in_the_future(stocked):
    piece = stocked()

    with pytest.raises(ValidationFailed):
        services.reserve_piece(piece=piece, reference="O-1", until=timezone.now() - timedelta(seconds=1))

    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE


def test_releasing_a_reservation_makes_the_piece_available(stocked, journal_matches_state):
    piece = stocked()
    reservation = services.reserve_piece(piece=piece, reference="CHK-1")

    services.release_reservation(reservation=reservation)

    reservation.refresh_from_db()
    assert reservation.state == Reservation.State.RELEASED and reservation.closed_at is not None
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
    assert OutboxEvent.objects.filter(name="inventory.PieceReleased", payload__reason="released").exists()
    assert journal_matches_state(piece)


def test_releasing_twice_is_refused_and_does_not_free_a_newer_hold(stocked):
    piece = stocked()
    first = services.reserve_piece(piece=piece, reference="CHK-1")
    services.release_reservation(reservation=first)
    services.reserve_piece(piece=piece, reference="CHK-2")
    before = snapshot_rows()

    with pytest.raises(ReservationClosed):
        services.release_reservation(reservation=first)

    assert snapshot_rows() == before
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.RESERVED


def test_consuming_a_reservation_sells_the_piece(stocked, journal_matches_state):
    piece = stocked()
    reservation = services.reserve_piece(piece=piece, reference="CHK-1")

    services.consume_reservation(reservation=reservation, reference="ORDER-9")

    reservation.refresh_from_db()
    assert reservation.state == Reservation.State.CONSUMED
    assert PieceStock.objects.get(piece=piece).status == PieceStatus.SOLD
    sold = StockMovement.objects.get(piece=piece, kind=Kind.SOLD)
    assert sold.reference == "ORDER-9"
    assert OutboxEvent.objects.filter(name="inventory.PieceSold", payload__reference="ORDER-9").exists()
    assert journal_matches_state(piece)


def test_a_consumed_reservation_cannot_be_consumed_or_released_again(stocked):
    piece = stocked()
    reservation = services.reserve_piece(piece=piece, reference="CHK-1")
    services.consume_reservation(reservation=reservation)
    before = snapshot_rows()

    with pytest.raises(ReservationClosed):
        services.consume_reservation(reservation=reservation)
    with pytest.raises(ReservationClosed):
        services.release_reservation(reservation=reservation)

    assert snapshot_rows() == before


def test_transferring_pieces_puts_them_in_transit_with_one_journal_row_each(stocked, store, warehouse, staff):
    pieces = [stocked(), stocked()]

    transfer = services.transfer_pieces(pieces=pieces, to_location=store, actor=staff, note="restock")

    assert (transfer.from_location_id, transfer.to_location_id, transfer.state) == (
        warehouse.pk,
        store.pk,
        Transfer.State.IN_TRANSIT,
    )
    assert set(transfer.pieces.values_list("pk", flat=True)) == {p.pk for p in pieces}
    for piece in pieces:
        assert PieceStock.objects.get(piece=piece).status == PieceStatus.IN_TRANSIT
        out = StockMovement.objects.get(piece=piece, kind=Kind.TRANSFER_OUT)
        assert (out.location_id, out.counterpart_id, out.actor_id) == (warehouse.pk, store.pk, staff.pk)
    assert OutboxEvent.objects.filter(name="inventory.TransferShipped").count() == 1
    assert AuditEntry.objects.filter(action="inventory.transfer_shipped", actor=staff).exists()


def test_receiving_a_transfer_makes_the_pieces_available_at_the_destination(stocked, store, journal_matches_state):
    pieces = [stocked(), stocked()]
    transfer = services.transfer_pieces(pieces=pieces, to_location=store)

    services.receive_transfer(transfer=transfer)

    transfer.refresh_from_db()
    assert transfer.state == Transfer.State.RECEIVED and transfer.received_at is not None
    for piece in pieces:
        assert PieceStock.objects.get(piece=piece).location_id == store.pk
        assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
        assert journal_matches_state(piece)
    assert OutboxEvent.objects.filter(name="inventory.TransferReceived").count() == 1


def test_a_transfer_cannot_be_received_twice(stocked, store):
    transfer = services.transfer_pieces(pieces=[stocked()], to_location=store)
    services.receive_transfer(transfer=transfer)
    before = snapshot_rows()

    with pytest.raises(IllegalMove):
        services.receive_transfer(transfer=transfer)

    assert snapshot_rows() == before


def test_transferring_a_reserved_piece_is_refused_and_nothing_moves(stocked, store):
    free, held = stocked(), stocked()
    services.reserve_piece(piece=held, reference="CHK-1")
    before = snapshot_rows()

    with pytest.raises(PieceUnavailable) as refused:
        services.transfer_pieces(pieces=[free, held], to_location=store)

    assert held.serial_number in refused.value.detail
    assert snapshot_rows() == before
    assert PieceStock.objects.get(piece=free).status == PieceStatus.AVAILABLE


def test_a_transfer_ships_from_one_location_only(stocked, store, other_store):
    here, there = stocked(), stocked(location=store)
    before = snapshot_rows()

    with pytest.raises(ValidationFailed):
        services.transfer_pieces(pieces=[here, there], to_location=other_store)

    assert snapshot_rows() == before


def test_a_transfer_to_where_the_pieces_are_is_refused(stocked, warehouse):
    with pytest.raises(ValidationFailed):
        services.transfer_pieces(pieces=[stocked()], to_location=warehouse)
    assert not Transfer.objects.exists()


def test_a_transfer_to_an_in_transit_location_is_refused(stocked):
    limbo = LocationFactory(code="transit", kind=Location.Kind.IN_TRANSIT)

    with pytest.raises(ValidationFailed):
        services.transfer_pieces(pieces=[stocked()], to_location=limbo)


def test_a_piece_in_transit_cannot_be_reserved(stocked, store):
    piece = stocked()
    services.transfer_pieces(pieces=[piece], to_location=store)

    with pytest.raises(PieceUnavailable):
        services.reserve_piece(piece=piece, reference="CHK-1")


def test_returning_a_sold_piece_makes_it_available_where_it_was(stocked, warehouse, journal_matches_state):
    piece = stocked()
    services.consume_reservation(reservation=services.reserve_piece(piece=piece, reference="O-1"))

    stock = services.return_piece(piece=piece, reference="RMA-1")

    assert (stock.location_id, stock.status) == (warehouse.pk, PieceStatus.AVAILABLE)
    assert StockMovement.objects.filter(piece=piece, kind=Kind.RETURNED, reference="RMA-1").exists()
    assert journal_matches_state(piece)


def test_a_return_can_go_to_another_store(stocked, store, journal_matches_state):
    piece = stocked()
    services.consume_reservation(reservation=services.reserve_piece(piece=piece, reference="O-1"))

    stock = services.return_piece(piece=piece, location=store)

    assert stock.location_id == store.pk
    assert journal_matches_state(piece)


def test_returning_an_unsold_piece_is_refused(stocked):
    piece = stocked()
    before = snapshot_rows()

    with pytest.raises(PieceUnavailable):
        services.return_piece(piece=piece)

    assert snapshot_rows() == before


def test_quarantine_takes_a_piece_off_sale_until_it_is_cleared(stocked, staff, journal_matches_state):
    piece = stocked()

    services.quarantine_piece(piece=piece, reason="loose prong", actor=staff)

    assert PieceStock.objects.get(piece=piece).status == PieceStatus.QUARANTINED
    assert journal_matches_state(piece)
    with pytest.raises(PieceUnavailable):
        services.reserve_piece(piece=piece, reference="CHK-1")

    services.release_from_quarantine(piece=piece, reason="repaired", actor=staff)

    assert PieceStock.objects.get(piece=piece).status == PieceStatus.AVAILABLE
    assert journal_matches_state(piece)
    assert AuditEntry.objects.filter(action="inventory.piece_quarantined", reason="loose prong").exists()


def test_a_reserved_piece_cannot_be_quarantined(stocked):
    piece = stocked()
    services.reserve_piece(piece=piece, reference="CHK-1")
    before = snapshot_rows()

    with pytest.raises(PieceUnavailable):
        services.quarantine_piece(piece=piece, reason="check")

    assert snapshot_rows() == before


def test_the_journal_replays_to_the_state_after_a_whole_life(stocked, store, other_store, journal_matches_state):
    piece = stocked()
    steps = [
        lambda: services.release_reservation(reservation=services.reserve_piece(piece=piece, reference="A")),
        lambda: services.receive_transfer(transfer=services.transfer_pieces(pieces=[piece], to_location=store)),
        lambda: services.quarantine_piece(piece=piece, reason="inspect"),
        lambda: services.release_from_quarantine(piece=piece, reason="ok"),
        lambda: services.consume_reservation(reservation=services.reserve_piece(piece=piece, reference="B")),
        lambda: services.return_piece(piece=piece, location=other_store),
    ]
    for step in steps:
        step()
        assert journal_matches_state(piece)

    assert services.replay_piece_state(piece) == (other_store.pk, PieceStatus.AVAILABLE)


def test_a_piece_never_received_has_no_replayed_state():
    assert services.replay_piece_state(PieceFactory()) is None


def test_the_replay_rejects_a_journal_the_state_machine_forbids(stocked, warehouse):
    piece = stocked()
    StockMovement.objects.create(kind=Kind.SOLD, piece=piece, location=warehouse)  # sold without a hold

    with pytest.raises(IllegalMove):
        services.replay_piece_state(piece)


def test_the_actor_is_written_on_the_journal(warehouse, staff):
    piece = PieceFactory()

    services.receive_piece(piece=piece, location=warehouse, actor=staff)
    services.reserve_piece(piece=piece, reference="CHK-1", actor="checkout")

    actors = dict(StockMovement.objects.filter(piece=piece).values_list("kind", "actor_id"))
    assert actors == {Kind.RECEIVED: staff.pk, Kind.RESERVED: None}
