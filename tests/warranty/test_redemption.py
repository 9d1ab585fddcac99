"""Entitlements are consumed exactly once: redeeming the same booking twice is refused, and of two
bookings racing for the last free use only one gets it (real threads; PostgreSQL in CI)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from auric.warranty import services
from auric.warranty.models import Redemption
from tests.warranty.support import book

pytestmark = pytest.mark.django_db


def test_redeeming_a_booking_twice_is_refused(ring_card, shopper):
    booking = book(shopper, ring_card, kind="cleaning")  # redeemed when booked

    with pytest.raises(services.AlreadyRedeemed):
        services.redeem(reference=booking.reference)
    assert Redemption.objects.filter(service_request=booking).count() == 1


def test_redeeming_with_nothing_left_is_refused(ring_card, shopper):
    book(shopper, ring_card, kind="resize")
    chargeable = book(shopper, ring_card, kind="resize")

    with pytest.raises(services.NothingLeft):
        services.redeem(reference=chargeable.reference)
    chargeable.refresh_from_db()
    assert chargeable.chargeable is True


def test_a_chargeable_booking_is_redeemed_once_a_use_comes_free(ring_card, shopper):
    first = book(shopper, ring_card, kind="resize")
    second = book(shopper, ring_card, kind="resize")
    services.cancel_booking(reference=first.reference, user=shopper)

    services.redeem(reference=second.reference)

    second.refresh_from_db()
    assert second.chargeable is False
    with pytest.raises(services.AlreadyRedeemed):
        services.redeem(reference=second.reference)


def _race(references: list[str]) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(references))

    def attempt(reference: str) -> None:
        try:
            barrier.wait()
            services.redeem(reference=reference)
            outcomes.append("redeemed")
        except (services.NothingLeft, services.AlreadyRedeemed) as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(reference,)) for reference in references]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


@pytest.mark.django_db(transaction=True)
def test_two_bookings_racing_for_the_last_free_use_one_wins(ring_card, shopper):
    # Given the ring's one free resize free again, and two chargeable resize bookings
    held = book(shopper, ring_card, kind="resize")
    racers = [book(shopper, ring_card, kind="resize"), book(shopper, ring_card, kind="resize")]
    services.cancel_booking(reference=held.reference, user=shopper)

    # When both are redeemed at the same moment
    outcomes = _race([r.reference for r in racers])

    # Then exactly one wins
    assert outcomes == ["entitlement_used_up", "redeemed"]
    assert Redemption.objects.filter(entitlement__card=ring_card, voided_at__isnull=True).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_same_booking_redeemed_concurrently_is_redeemed_once(ring_card, shopper):
    held = book(shopper, ring_card, kind="resize")
    racer = book(shopper, ring_card, kind="resize")
    services.cancel_booking(reference=held.reference, user=shopper)

    outcomes = _race([racer.reference] * 3)

    assert outcomes == ["already_redeemed", "already_redeemed", "redeemed"]
    assert Redemption.objects.filter(service_request=racer).count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_bookings_of_the_last_free_use_leave_one_free(ring_card, shopper, store):
    from datetime import timedelta

    from django.utils import timezone

    outcomes: list[bool] = []
    barrier = threading.Barrier(3)

    def attempt() -> None:
        try:
            barrier.wait()
            booking = services.book_service(
                user=shopper,
                card_number=ring_card.number,
                kind="resize",
                channel="store",
                location_id=store.pk,
                requested_on=timezone.localdate() + timedelta(days=3),
            )
            outcomes.append(booking.chargeable)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == [False, True, True]
