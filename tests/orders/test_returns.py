"""Returns (R1, R2): the window starts at delivery or pickup, 7 days (14 for the EU); customised
pieces only when defective; partial returns refund the returned lines and restock the pieces."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone

from auric.accounts.services import issue_api_token
from auric.checkout.shipping import DeliveryChoice
from auric.core.errors import NotFound
from auric.core.models import OutboxEvent
from auric.inventory.models import PieceStatus, PieceStock, StockMovement
from auric.orders import returns
from auric.orders.models import ReturnRequest
from auric.orders.states import State
from auric.payments.models import Refund
from tests.checkout.conftest import stocked_piece
from tests.factories import UserFactory
from tests.orders.returns_support import paid_order, ready_for_pickup, sandbox, shipped  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("sandbox")]


@pytest.fixture
def staff(db):
    return UserFactory(username="returns-desk", is_staff=True)


@pytest.fixture
def delivered(shopper, gold_piece, fixed_piece, cart_of, ship):
    """Two lines (8000.00 gold + 300.00 fixed), shipped to Shanghai and delivered now."""
    order = shipped(paid_order(cart_of(shopper, gold_piece, fixed_piece), shopper, ship))
    return returns.mark_delivered(order=order)


def line_of(order, piece):
    return order.lines.get(piece=piece)


def returned_and_received(order, lines, staff, inspection="passed"):
    request = returns.request_return(order=order, lines=lines, actor=order.user)
    returns.approve_return(return_request=request, actor=staff)
    return returns.receive_return(return_request=request, inspection=inspection, actor=staff)


def test_the_window_starts_at_delivery_and_lasts_seven_days(shopper, gold_piece, cart_of, ship):
    order = shipped(paid_order(cart_of(shopper, gold_piece), shopper, ship))
    at = timezone.now() - timedelta(days=1)

    returns.mark_delivered(order=order, at=at)

    order.refresh_from_db()
    assert order.state == State.DELIVERED
    assert order.delivered_at == at and order.return_window_ends_at == at + timedelta(days=7)


def test_the_window_lasts_fourteen_days_for_an_eu_address(shopper, gold_piece, cart_of):
    eu = DeliveryChoice.ship(
        {
            "name": "Anna Muster",
            "phone": "+4930123456",
            "country": "DE",
            "city": "Berlin",
            "street": "Unter den Linden 1",
        }
    )
    order = shipped(paid_order(cart_of(shopper, gold_piece), shopper, eu))

    returns.mark_delivered(order=order)

    order.refresh_from_db()
    assert order.return_window_ends_at == order.delivered_at + timedelta(days=14)


def test_the_window_starts_at_pickup(shopper, gold_piece, cart_of, store):
    order = ready_for_pickup(paid_order(cart_of(shopper, gold_piece), shopper, DeliveryChoice.pickup(store.pk)))

    returns.mark_picked_up(order=order, code=order.pickup_code)

    order.refresh_from_db()
    assert order.state == State.PICKED_UP
    assert order.return_window_ends_at == order.delivered_at + timedelta(days=7)


def test_a_return_after_the_window_is_refused(delivered, gold_piece):
    line = line_of(delivered, gold_piece)
    later = delivered.return_window_ends_at + timedelta(seconds=1)

    with mock.patch("django.utils.timezone.now", return_value=later), pytest.raises(returns.ReturnWindowClosed):
        returns.request_return(order=delivered, lines=[(line.pk, "no_reason")], actor=delivered.user)
    assert not ReturnRequest.objects.exists()


def test_a_customised_line_is_refused_unless_defective(shopper, store, gold_price, cart_of, ship):
    engraved = stocked_piece(store, customised=True)
    order = returns.mark_delivered(order=shipped(paid_order(cart_of(shopper, engraved), shopper, ship)))
    line = line_of(order, engraved)

    with pytest.raises(returns.CustomisedNotReturnable):
        returns.request_return(order=order, lines=[(line.pk, "no_reason")], actor=shopper)
    request = returns.request_return(order=order, lines=[(line.pk, "defective")], actor=shopper)

    assert request.state == ReturnRequest.State.REQUESTED


def test_a_partial_return_refunds_only_the_returned_line_and_restocks_the_piece(delivered, gold_piece, staff):
    gold = line_of(delivered, gold_piece)
    paid_for_gold = gold.line_total - gold.discount

    received = returned_and_received(delivered, [(gold.pk, "wrong_size")], staff)
    refunded = returns.refund_return(return_request=received, actor=staff)

    delivered.refresh_from_db()
    gold.refresh_from_db()
    assert refunded.state == ReturnRequest.State.REFUNDED and refunded.amount == paid_for_gold
    assert delivered.refunded_total == paid_for_gold and delivered.state == State.DELIVERED
    assert gold.refunded_amount == paid_for_gold
    assert Refund.objects.get().amount == paid_for_gold
    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.AVAILABLE
    assert StockMovement.objects.filter(piece=gold_piece, kind=StockMovement.Kind.RETURNED).count() == 1


def test_a_failed_inspection_quarantines_the_piece(delivered, gold_piece, staff):
    gold = line_of(delivered, gold_piece)

    returned_and_received(delivered, [(gold.pk, "defective")], staff, inspection="failed")

    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.QUARANTINED
    kinds = list(StockMovement.objects.filter(piece=gold_piece).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [StockMovement.Kind.RETURNED, StockMovement.Kind.QUARANTINED]


def test_a_return_request_publishes_return_requested(delivered, gold_piece):
    returns.request_return(
        order=delivered, lines=[(line_of(delivered, gold_piece).pk, "no_reason")], actor=delivered.user
    )

    assert OutboxEvent.objects.filter(name="orders.ReturnRequested", payload__number=delivered.number).count() == 1


def test_a_line_cannot_be_returned_twice(delivered, gold_piece):
    line = line_of(delivered, gold_piece)
    returns.request_return(order=delivered, lines=[(line.pk, "no_reason")], actor=delivered.user)

    with pytest.raises(returns.ReturnNotAllowed):
        returns.request_return(order=delivered, lines=[(line.pk, "no_reason")], actor=delivered.user)


def test_a_return_moves_only_forward_once(delivered, gold_piece, staff):
    request = returns.request_return(
        order=delivered, lines=[(line_of(delivered, gold_piece).pk, "no_reason")], actor=delivered.user
    )
    stale = ReturnRequest.objects.get(pk=request.pk)
    returns.approve_return(return_request=request, actor=staff)

    with pytest.raises(returns.IllegalReturnMove):
        returns.reject_return(return_request=stale, actor=staff, reason="too late")
    with pytest.raises(returns.IllegalReturnMove):
        returns.refund_return(return_request=request, actor=staff)


def test_somebody_elses_order_cannot_be_returned(delivered, gold_piece):
    with pytest.raises(NotFound):
        returns.request_return(
            order=delivered, lines=[(line_of(delivered, gold_piece).pk, "no_reason")], actor=UserFactory()
        )


# --- API ---------------------------------------------------------------------------------------------


def headers_for(user):
    return {"Authorization": f"Bearer {issue_api_token(user=user, name='app').secret}"}


def post_return(order, user, lines):
    return Client().post(
        f"/api/v1/orders/{order.number}/returns",
        data={"lines": lines},
        content_type="application/json",
        headers=headers_for(user),
    )


def test_the_owner_requests_a_return_through_the_api(delivered, gold_piece):
    line = line_of(delivered, gold_piece)

    response = post_return(delivered, delivered.user, [{"line_id": line.pk, "reason": "no_reason"}])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "requested" and body["amount"] == str(line.line_total - line.discount)
    listed = Client().get(f"/api/v1/orders/{delivered.number}/returns", headers=headers_for(delivered.user))
    assert [r["id"] for r in listed.json()] == [body["id"]]


def test_another_users_order_answers_404(delivered, gold_piece):
    response = post_return(
        delivered, UserFactory(), [{"line_id": line_of(delivered, gold_piece).pk, "reason": "no_reason"}]
    )

    assert response.status_code == 404


def test_a_return_of_an_undelivered_order_answers_409(shopper, gold_piece, cart_of, ship):
    order = shipped(paid_order(cart_of(shopper, gold_piece), shopper, ship))

    response = post_return(order, shopper, [{"line_id": line_of(order, gold_piece).pk, "reason": "no_reason"}])

    assert response.status_code == 409


def test_a_customised_line_without_defect_answers_422(shopper, store, gold_price, cart_of, ship):
    engraved = stocked_piece(store, customised=True)
    order = returns.mark_delivered(order=shipped(paid_order(cart_of(shopper, engraved), shopper, ship)))

    response = post_return(order, shopper, [{"line_id": line_of(order, engraved).pk, "reason": "wrong_size"}])

    assert response.status_code == 422
    assert response.json()["type"] == "/problems/customised_not_returnable"


def test_returning_every_line_of_a_free_shipping_order_refunds_it_fully(delivered, staff):
    lines = [(line.pk, "no_reason") for line in delivered.lines.all()]

    returns.refund_return(return_request=returned_and_received(delivered, lines, staff), actor=staff)

    delivered.refresh_from_db()
    assert delivered.state == State.REFUNDED and delivered.refunded_total == delivered.total
