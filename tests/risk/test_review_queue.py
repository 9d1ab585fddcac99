"""The review queue in the back office: held orders with their signals; approve or reject with a
note; who, when and how long; operators and customer service only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from auric.accounts import roles
from auric.inventory.models import PieceStatus, PieceStock
from auric.orders.states import State
from auric.payments.services import start_payment
from auric.risk import services
from auric.risk.models import Decision, ReviewCase
from tests.factories import UserFactory
from tests.risk.conftest import client_at, new_thresholds

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(regular, gold_piece, place) -> ReviewCase:
    """A held order: the rules hold anything that scores (a known customer on a new device)."""
    new_thresholds(5, 10, 150)
    order = place(regular, gold_piece, client=client_at(device="other-phone-99887766"))
    return ReviewCase.objects.get(order=order)


def staff(name: str, role: str) -> Client:
    roles.ensure_roles()
    user = UserFactory(username=name, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client()
    client.force_login(user)
    return client


def test_the_queue_lists_held_orders_with_score_signals_and_time(case):
    ReviewCase.objects.filter(pk=case.pk).update(opened_at=timezone.now() - timedelta(hours=2, minutes=5))

    response = staff("cs", roles.CUSTOMER_SERVICE).get(reverse("admin:risk_reviewcase_changelist"))

    assert response.status_code == 200
    body = response.content.decode()
    assert case.order.number in body and "New device" in body and "2h 5m" in body


def test_the_case_page_explains_the_decision(case):
    response = staff("cs", roles.CUSTOMER_SERVICE).get(reverse("admin:risk_reviewcase_change", args=[case.pk]))

    body = response.content.decode()
    assert response.status_code == 200 and response.context["can_decide"] is True
    assert "first time on this device" in body and "review-form" in body


def test_approving_needs_a_note_then_releases_the_hold(case):
    client = staff("cs", roles.CUSTOMER_SERVICE)
    approve = reverse("admin:risk_reviewcase_approve", args=[case.pk])

    # when approved without a note, nothing changes
    client.post(approve, {"note": " "})
    case.refresh_from_db()
    assert case.state == ReviewCase.State.OPEN

    # when approved with a note, the hold is released and who/when/why are kept
    client.post(approve, {"note": "Called the shopper; new phone, same person."})
    case.refresh_from_db()
    case.order.refresh_from_db()
    assert case.state == ReviewCase.State.APPROVED
    assert case.decided_by.username == "cs" and case.decided_at is not None
    assert case.note.startswith("Called the shopper")
    assert not case.order.held_for_review
    assert start_payment(order=case.order, provider="sandbox").order_id == case.order.pk


def test_rejecting_cancels_the_order_and_releases_the_stock(case, gold_piece):
    staff("op", roles.OPERATOR).post(
        reverse("admin:risk_reviewcase_reject", args=[case.pk]), {"note": "Stolen card reported."}
    )

    case.refresh_from_db()
    case.order.refresh_from_db()
    assert case.state == ReviewCase.State.REJECTED
    assert case.order.state == State.CANCELLED
    assert "Stolen card reported." in case.order.transitions.get(to_state=State.CANCELLED).note
    assert PieceStock.objects.get(piece=gold_piece).status == PieceStatus.AVAILABLE


def test_a_decided_case_cannot_be_decided_again(case):
    user = UserFactory(username="boss")
    services.approve_review(case=case, actor=user, note="fine")

    with pytest.raises(services.ReviewClosed):
        services.reject_review(case=case, actor=user, note="changed my mind")


def test_store_staff_may_neither_see_nor_decide_the_queue(case):
    client = staff("clerk", roles.STORE_STAFF)

    listing = client.get(reverse("admin:risk_reviewcase_changelist"))
    decide = client.post(reverse("admin:risk_reviewcase_approve", args=[case.pk]), {"note": "me too"})

    assert listing.status_code == 403 and decide.status_code == 403
    case.refresh_from_db()
    assert case.state == ReviewCase.State.OPEN


def test_an_order_that_expires_unreviewed_closes_its_case(case, django_capture_on_commit_callbacks):
    from auric.orders.services import expire_unpaid_orders

    with django_capture_on_commit_callbacks(execute=True):
        expire_unpaid_orders(now=case.order.pay_by + timedelta(seconds=1))

    case.refresh_from_db()
    assert case.state == ReviewCase.State.CLOSED and Decision.objects.filter(order=case.order).exists()


def test_decided_cases_leave_the_queue_but_can_be_listed(case):
    services.approve_review(case=case, actor=UserFactory(username="boss"), note="fine")
    client = staff("cs", roles.CUSTOMER_SERVICE)

    queue = client.get(reverse("admin:risk_reviewcase_changelist"))
    approved = client.get(reverse("admin:risk_reviewcase_changelist") + "?state=approved")

    assert list(queue.context["cl"].result_list) == []
    assert list(approved.context["cl"].result_list) == [case]
