"""Bookings: a shopper books a service of a piece they hold; staff weigh it in, work on it and
weigh it out; covered services use an entitlement, others are chargeable; bad input changes nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from auric.core.errors import NotFound, ValidationFailed
from auric.inventory.models import Location
from auric.warranty import services
from auric.warranty.models import Redemption, ServiceRequest, WarrantyCard
from auric.warranty.states import ServiceState
from tests.factories import LocationFactory
from tests.security.idor_support import snapshot
from tests.warranty.support import book, log_text, logged, perform

pytestmark = pytest.mark.django_db


def _left(card: WarrantyCard) -> dict[str, int | None]:
    return {e.kind: e.left for e in services.entitlements_left(card)}


def test_a_covered_cleaning_goes_from_booking_to_return_with_weights_in_and_out(ring_card, shopper, store):
    # Given a ring with two free cleanings this year
    assert _left(ring_card)["cleaning"] == 2

    # When its holder books a cleaning, and the store weighs it in, cleans it and weighs it out
    booking = book(shopper, ring_card, kind="cleaning")
    assert (booking.state, booking.chargeable) == (ServiceState.BOOKED, False)
    assert _left(ring_card)["cleaning"] == 1  # held for this booking
    services.record_intake(reference=booking.reference, weight_in_g="5.012")
    services.start_work(reference=booking.reference)
    services.record_return(reference=booking.reference, weight_out_g="5.011")

    # Then the shopper sees the same gold came back, and one cleaning is used
    booking.refresh_from_db()
    assert booking.state == ServiceState.RETURNED
    assert (booking.weight_in_g, booking.weight_out_g) == (Decimal("5.012"), Decimal("5.011"))
    assert booking.weight_change_g == Decimal("-0.001")
    assert booking.received_at <= booking.work_started_at <= booking.returned_at
    assert _left(ring_card)["cleaning"] == 1
    assert Redemption.objects.get(service_request=booking).performed_at is not None


def test_the_store_signs_the_service_and_the_redemption_without_personal_data(ring_card, shopper, store):
    booking = perform(book(shopper, ring_card, kind="cleaning"), weight_in="5.000", weight_out="4.999")

    performed = logged("service.performed")
    redeemed = logged("warranty.redeemed")
    party = f"store.{store.code}"
    assert [s["party"] for s in performed] == [party] and [s["party"] for s in redeemed] == [party]
    assert performed[0]["piece"] == ring_card.piece_public_id
    assert performed[0]["data"] == {
        "service": "cleaning",
        "location": party,
        "card": ring_card.card_sha256,
        "covered": True,
        "weight_in_g": "5.000",
        "weight_out_g": "4.999",
    }
    assert redeemed[0]["data"] == {
        "card": ring_card.card_sha256,
        "service": "cleaning",
        "location": party,
        "period": 0,
        "use": 1,
    }
    text = log_text()
    assert shopper.username not in text and booking.reference not in text


def test_a_service_without_an_entitlement_is_bookable_but_chargeable(bangle_card, shopper):
    booking = book(shopper, bangle_card, kind="resize")  # bangles have no free resizing

    assert booking.chargeable is True
    assert not Redemption.objects.filter(service_request=booking).exists()
    perform(booking)
    assert logged("warranty.redeemed") == []
    assert logged("service.performed")[0]["data"]["covered"] is False


def test_a_used_up_entitlement_makes_the_next_booking_chargeable(ring_card, shopper):
    first = book(shopper, ring_card, kind="resize")
    second = book(shopper, ring_card, kind="resize")

    assert (first.chargeable, second.chargeable) == (False, True)


def test_cancelling_a_booking_gives_the_free_use_back(ring_card, shopper):
    booking = book(shopper, ring_card, kind="resize")

    services.cancel_booking(reference=booking.reference, user=shopper)

    booking.refresh_from_db()
    assert booking.state == ServiceState.CANCELLED
    assert _left(ring_card)["resize"] == 1
    assert book(shopper, ring_card, kind="resize").chargeable is False


def test_a_received_booking_can_no_longer_be_cancelled(ring_card, shopper):
    booking = book(shopper, ring_card)
    services.record_intake(reference=booking.reference, weight_in_g="5.000")

    with pytest.raises(services.IllegalServiceMove):
        services.cancel_booking(reference=booking.reference, user=shopper)


def test_steps_out_of_order_are_refused(ring_card, shopper):
    booking = book(shopper, ring_card)

    with pytest.raises(services.IllegalServiceMove):
        services.record_return(reference=booking.reference, weight_out_g="5.000")
    with pytest.raises(services.IllegalServiceMove):
        services.start_work(reference=booking.reference)
    booking.refresh_from_db()
    assert booking.state == ServiceState.BOOKED and booking.weight_out_g is None


# --- bad input: a clear error and nothing changed ---------------------------------------------------


def _booking_kwargs(card: WarrantyCard, store: Location, **changes):
    return {
        "card_number": card.number,
        "kind": "cleaning",
        "channel": "store",
        "location_id": store.pk,
        "requested_on": timezone.localdate() + timedelta(days=2),
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"location_id": 999_999}, "store"),
        ({"location_id": "1"}, "store"),
        ({"requested_on": timezone.localdate() - timedelta(days=1)}, "date"),
        ({"requested_on": timezone.localdate() + timedelta(days=400)}, "date"),
        ({"kind": "gilding"}, "kind"),
        ({"channel": "drone"}, "channel"),
        ({"note": "x" * 301}, "note"),
    ],
)
def test_a_bad_booking_is_refused_and_changes_nothing(ring_card, shopper, store, changes, field):
    before = snapshot()
    count = ServiceRequest.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        services.book_service(user=shopper, **_booking_kwargs(ring_card, store, **changes))

    assert field in refused.value.errors
    assert ServiceRequest.objects.count() == count
    assert snapshot() == before


def test_a_warehouse_is_not_a_service_store(ring_card, shopper, warehouse):
    with pytest.raises(ValidationFailed) as refused:
        services.book_service(user=shopper, **_booking_kwargs(ring_card, warehouse))
    assert "store" in refused.value.errors


def test_nobody_books_a_service_of_a_piece_they_do_not_hold(ring_card, other_shopper, store):
    with pytest.raises(NotFound):
        services.book_service(user=other_shopper, **_booking_kwargs(ring_card, store))
    with pytest.raises(NotFound):
        services.book_service(user=other_shopper, **_booking_kwargs(ring_card, store, card_number="W000000000000"))
    assert not ServiceRequest.objects.exists()


def test_nobody_cancels_another_shoppers_booking(ring_card, shopper, other_shopper):
    booking = book(shopper, ring_card)

    with pytest.raises(NotFound):
        services.cancel_booking(reference=booking.reference, user=other_shopper)
    booking.refresh_from_db()
    assert booking.state == ServiceState.BOOKED


def test_a_cancelled_card_books_nothing(ring_card, shopper, store):
    services.cancel_cards_for_order(order_id=ring_card.order_line.order_id)

    with pytest.raises(services.CardCancelled):
        services.book_service(user=shopper, **_booking_kwargs(ring_card, store))
    assert not ServiceRequest.objects.exists()


@pytest.mark.parametrize(
    "weight", ["-5.000", "0", "0.000", "5.0001", "abc", "NaN", "Infinity", "6000", "1.000", "50.000", ""]
)
def test_negative_absurd_or_malformed_weights_are_refused_and_change_nothing(ring_card, shopper, weight):
    booking = book(shopper, ring_card)

    with pytest.raises(ValidationFailed) as refused:
        services.record_intake(reference=booking.reference, weight_in_g=weight)

    assert "weight_in_g" in refused.value.errors
    booking.refresh_from_db()
    assert booking.state == ServiceState.BOOKED and booking.weight_in_g is None


def test_a_bad_weight_out_leaves_the_piece_in_work(ring_card, shopper):
    booking = book(shopper, ring_card)
    services.record_intake(reference=booking.reference, weight_in_g="5.000")
    services.start_work(reference=booking.reference)

    with pytest.raises(ValidationFailed):
        services.record_return(reference=booking.reference, weight_out_g="-1")

    booking.refresh_from_db()
    assert booking.state == ServiceState.IN_WORK and booking.weight_out_g is None
    assert logged("service.performed") == []


def test_an_inactive_store_takes_no_bookings(ring_card, shopper):
    closed = LocationFactory(code="closed-store", kind=Location.Kind.STORE, is_active=False)
    with pytest.raises(ValidationFailed):
        services.book_service(user=shopper, **_booking_kwargs(ring_card, closed))
