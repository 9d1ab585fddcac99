"""What each outcome does to an order, and what keeps screening safe to repeat."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.accounts.stepup import StepUpRequired
from auric.checkout import services as checkout
from auric.checkout.shipping import DeliveryChoice
from auric.core import events
from auric.core.models import OutboxEvent
from auric.inventory.models import PieceStatus, PieceStock
from auric.orders.services import place_order
from auric.orders.states import State
from auric.payments.services import start_payment
from auric.risk import context, services
from auric.risk.models import Decision, Outcome, ReviewCase
from tests.factories import UserFactory
from tests.risk.conftest import address, client_at, new_thresholds

pytestmark = pytest.mark.django_db


def test_a_step_up_decision_forces_a_step_up_below_the_payment_threshold(gold_piece, place):
    # given a new account on a new device (20 points) and a step-up from 20
    new_thresholds(20, 60, 150)
    newcomer = UserFactory(username="newcomer")

    # when it orders an 8,000 yuan bangle (far below the 100,000 step-up threshold)
    order = place(newcomer, gold_piece, client=client_at(device="fresh-phone-1234567890"))

    # then the payment asks for a step-up bound to this order
    assert Decision.objects.get(order=order).outcome == Outcome.STEP_UP
    assert order.payment_step_up_required and not order.held_for_review
    with pytest.raises(StepUpRequired) as required:
        start_payment(order=order, provider="sandbox")
    assert required.value.extra["binding"]["order_number"] == order.number


def test_a_guest_cannot_step_up_so_a_step_up_becomes_a_hold(gold_piece, django_capture_on_commit_callbacks):
    # given thresholds where a guest's first order (no account, no device history) needs a step-up
    new_thresholds(20, 60, 150)
    guest_cart = checkout.get_cart(session_key="guest-session-key")
    checkout.add_piece(cart=guest_cart, piece=gold_piece)

    # when the guest places it
    with context.using(client_at()), django_capture_on_commit_callbacks(execute=True):
        order = place_order(cart=guest_cart, user=None, delivery=DeliveryChoice.ship(address("南京东路 100 号")))

    # then it is held, and the decision says why
    order.refresh_from_db()
    decision = Decision.objects.get(order=order)
    assert decision.outcome == Outcome.HOLD and order.held_for_review
    assert any("guest order has no account" in r for r in decision.reasons)


def test_a_block_cancels_the_order_with_its_reasons_and_frees_the_piece(gold_piece, place):
    # given thresholds where a new account on a new device is blocked
    new_thresholds(5, 10, 20)
    newcomer = UserFactory(username="newcomer")

    # when it orders
    order = place(newcomer, gold_piece, client=client_at(device="fresh-phone-1234567890"))

    # then the order is cancelled with the reasons in its timeline and the piece is for sale again
    assert order.state == State.CANCELLED
    note = order.transitions.get(to_state=State.CANCELLED).note
    assert note.startswith("blocked: risk score 20") and "New device" in note
    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.AVAILABLE
    assert not ReviewCase.objects.exists()


def test_a_redelivered_order_event_changes_nothing(regular, gold_piece, place):
    # given an order that was screened once
    order = place(regular, gold_piece)
    event = OutboxEvent.objects.get(name="orders.OrderPlaced", payload__order_id=order.pk)

    # when the same event is screened again (at-least-once delivery)
    again = services.screen_order(order_id=order.pk, client=None, source_event=event.pk)

    # then the first decision is returned and no second one exists
    assert again == Decision.objects.get(order=order)
    assert Decision.objects.filter(order=order).count() == 1


def test_an_order_cancelled_before_screening_is_not_scored(regular, gold_piece, place):
    from auric.orders.services import cancel_order

    order = place(regular, gold_piece)
    cancel_order(order=order, reason="changed my mind")

    assert services.screen_order(order_id=order.pk, client=None) is None
    assert Decision.objects.filter(order=order).count() == 1  # only the decision at placement


def test_many_accounts_on_one_device_fire_the_coupon_abuse_signal(gold_piece, place):
    # given two other accounts that used this device
    shared = "shared-device-abcdef123456"
    for name in ("alt1", "alt2"):
        services.record_sighting(user=UserFactory(username=name), client=client_at(device=shared), now=_now())

    # when a third account orders from it
    order = place(UserFactory(username="alt3"), gold_piece, client=client_at(device=shared))

    # then the signal fired with the count
    signal = next(s for s in Decision.objects.get(order=order).signals if s["signal"] == "shared_device")
    assert (signal["value"], signal["fired"], signal["points"]) == ("3", True, 25)


def test_an_ip_far_from_the_shipping_province_fires(regular, gold_piece, place):
    from tests.risk.conftest import TIANJIN_IP

    order = place(regular, gold_piece, client=client_at(ip=TIANJIN_IP))

    signal = next(s for s in Decision.objects.get(order=order).signals if s["signal"] == "ip_region_mismatch")
    assert signal["fired"] and signal["detail"].startswith("IP in 中国 天津 天津市, ships to 上海市")


def test_a_passkey_added_just_before_a_big_order_fires(regular, piece_at, place):
    from auric.accounts.models import PasskeyCredential

    PasskeyCredential.objects.create(user=regular, credential_id="cred-1", public_key=b"k")

    order = place(regular, piece_at("60000.00"))

    signal = next(s for s in Decision.objects.get(order=order).signals if s["signal"] == "new_passkey")
    assert signal["fired"] and Decimal(signal["value"]) == order.total


def test_the_engine_never_stops_a_checkout(regular, gold_piece, place, monkeypatch):
    # given an engine that fails
    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(services, "screen_order", broken)

    # when an order is placed, then it exists and the failed delivery is kept for a retry
    order = place(regular, gold_piece)
    assert order.state == State.PENDING_PAYMENT
    event = OutboxEvent.objects.get(name="orders.OrderPlaced", payload__order_id=order.pk)
    assert event.dispatched_at is None and event.next_attempt_at is not None
    assert events.handlers_for("orders.OrderPlaced")


def _now():
    from django.utils import timezone

    return timezone.now()
