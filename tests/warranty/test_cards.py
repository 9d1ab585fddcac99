"""Cards: issued when an order is paid (once), cancelled on a full refund (not a partial one) or a
return, carried to the new owner on resale, hashed without personal data into the log."""

from __future__ import annotations

import hashlib

import pytest

from auric.core import events
from auric.core.models import OutboxEvent
from auric.core.money import Money
from auric.orders.services import record_refund
from auric.provenance import ownership
from auric.provenance.statements import canonical
from auric.warranty import services
from auric.warranty.events import issue_cards_of_paid_order
from auric.warranty.models import CardEntitlement, WarrantyCard, WarrantyTerms
from auric.warranty.states import CardStatus
from tests.warranty.support import book, log_text, logged, perform

pytestmark = pytest.mark.django_db


def test_a_paid_order_issues_one_card_per_piece_bound_to_the_buyer(paid_order, shopper):
    cards = WarrantyCard.objects.filter(order_line__order=paid_order)

    assert cards.count() == 2
    assert {c.holder_id for c in cards} == {shopper.pk}
    assert {c.status for c in cards} == {CardStatus.ACTIVE}
    for card in cards:
        assert card.starts_at == paid_order.paid_at
        assert card.card_sha256 == hashlib.sha256(canonical(services.card_document(card))).hexdigest()


def test_terms_follow_the_category_and_the_default_covers_the_rest(ring_card, bangle_card):
    ring = {e.kind: e for e in ring_card.entitlements.all()}
    bangle = {e.kind: e for e in bangle_card.entitlements.all()}

    assert ring["resize"].allowance == 1 and ring["resize"].period == "total"
    assert "resize" not in bangle
    assert bangle["cleaning"].allowance == 2 and bangle["cleaning"].period == "per_year"
    assert bangle["repair"].allowance is None  # free repair of manufacturing defects, for a year
    assert bangle["repair"].ends_at.year == bangle_card.starts_at.year + 1
    assert "re_plating" not in bangle  # gold: lifetime re-plating is for silver


def test_redelivering_order_paid_issues_nothing_twice(paid_order):
    event = OutboxEvent.objects.get(name="orders.OrderPaid", payload__order_id=paid_order.pk)

    issue_cards_of_paid_order(event)
    issue_cards_of_paid_order(event)
    events.dispatch(event.pk)

    assert WarrantyCard.objects.filter(order_line__order=paid_order).count() == 2
    assert len(logged("warranty.issued")) == 2


def test_a_card_snapshot_survives_later_changes_to_the_terms(ring_card):
    WarrantyTerms.objects.filter(category_slug="rings").update(duration_months=1)
    ring_card.refresh_from_db()

    assert ring_card.terms["duration_months"] == 24
    assert services.card_hash(ring_card) == ring_card.card_sha256


def test_a_full_refund_cancels_the_orders_cards(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_refund(order=paid_order, amount=Money(paid_order.total, "CNY"), reference="rf-full")

    cards = WarrantyCard.objects.filter(order_line__order=paid_order)
    assert {c.status for c in cards} == {CardStatus.CANCELLED}
    assert {c.cancel_reason for c in cards} == {"refunded"}
    cancelled = logged("warranty.cancelled")
    assert {s["data"]["card"] for s in cancelled} == {c.card_sha256 for c in cards}
    assert {s["party"] for s in cancelled} == {"platform"}


def test_a_partial_refund_keeps_the_cards(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_refund(order=paid_order, amount=Money(paid_order.total / 2, "CNY"), reference="rf-part")

    assert set(WarrantyCard.objects.filter(order_line__order=paid_order).values_list("status", flat=True)) == {
        CardStatus.ACTIVE
    }
    assert logged("warranty.cancelled") == []


def test_a_refund_event_redelivered_cancels_once(paid_order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record_refund(order=paid_order, amount=Money(paid_order.total, "CNY"), reference="rf-full")
    event = OutboxEvent.objects.get(name="orders.OrderRefunded", payload__order_id=paid_order.pk)

    services.cancel_cards_for_order(order_id=paid_order.pk)
    events.dispatch(event.pk)

    assert len(logged("warranty.cancelled")) == 2


def test_a_resold_piece_carries_its_remaining_warranty_to_the_new_owner(
    ring_card, shopper, other_shopper, django_capture_on_commit_callbacks
):
    # Given the ring's free resize used by its first owner, a cleaning booked by them, two cleanings left
    perform(book(shopper, ring_card, kind="resize"))
    pending = book(shopper, ring_card, kind="cleaning")
    offer = ownership.start_transfer(user=shopper, public_id=ring_card.piece_public_id)

    # When the buyer claims the piece with the owner's code
    with django_capture_on_commit_callbacks(execute=True):
        ownership.claim_transfer(user=other_shopper, public_id=ring_card.piece_public_id, code=offer.code)

    # Then the card is theirs, with what was left of it
    ring_card.refresh_from_db()
    assert ring_card.holder_id == other_shopper.pk
    assert ring_card not in services.cards_of(shopper) and ring_card in services.cards_of(other_shopper)
    left = {e.kind: e.left for e in services.entitlements_left(ring_card)}
    assert left["resize"] == 0 and left["cleaning"] == 2
    pending.refresh_from_db()
    assert pending.state == "cancelled"  # the seller's booking does not bind the buyer
    event = OutboxEvent.objects.get(name="provenance.OwnershipTransferred")
    assert event.payload == {
        "piece_id": ring_card.piece_id,
        "public_id": ring_card.piece_public_id,
        "reason": "resale",
        "owner_id": other_shopper.pk,
    }


def test_a_returned_piece_loses_its_card(ring_card, bangle_card, store, django_capture_on_commit_callbacks):
    from auric.warranty.events import cancel_cards_of_returned_piece

    cancel_cards_of_returned_piece(
        OutboxEvent(name="inventory.PieceReturned", payload={"piece_id": ring_card.piece_id, "location_id": store.pk})
    )

    ring_card.refresh_from_db()
    bangle_card.refresh_from_db()
    assert (ring_card.status, ring_card.cancel_reason) == (CardStatus.CANCELLED, "returned")
    assert bangle_card.status == CardStatus.ACTIVE


def test_the_issue_statements_hold_the_card_hash_and_no_personal_data(paid_order, shopper):
    issued = logged("warranty.issued")
    cards = WarrantyCard.objects.filter(order_line__order=paid_order)

    assert {s["data"]["card"] for s in issued} == {c.card_sha256 for c in cards}
    assert {s["piece"] for s in issued} == {c.piece_public_id for c in cards}
    for statement in issued:
        assert set(statement["data"]) == {"card", "until", "entitlements"}
    text = log_text()
    assert shopper.username not in text and paid_order.number not in text
    document = canonical(services.card_document(cards.first())).decode()
    assert shopper.username not in document and '"holder"' not in document


def test_an_expired_card_reads_expired(ring_card):
    from datetime import timedelta

    ring_card.ends_at = ring_card.starts_at + timedelta(days=1)
    assert ring_card.status_on(ring_card.starts_at + timedelta(days=2)) == CardStatus.EXPIRED
    assert ring_card.status_on(ring_card.starts_at) == CardStatus.ACTIVE
    assert CardEntitlement.objects.filter(card=ring_card).exists()
