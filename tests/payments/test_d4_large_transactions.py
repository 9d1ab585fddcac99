"""COMPLIANCE D4: a customer's purchases of one business day (Asia/Shanghai) reaching ¥100,000 need
identity verification, a step-up for the payment, and leave a large-transaction report."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal

import pyotp
import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from auric.accounts import identity, stepup, totp
from auric.accounts.roles import ensure_roles
from auric.core.money import Money
from auric.orders.states import State
from auric.payments import large_transactions
from auric.payments.models import LargeTransactionReport, Payment
from auric.payments.services import payee, start_payment
from tests.factories import UserFactory
from tests.payments.conftest import make_order

pytestmark = pytest.mark.django_db

ID_NUMBER = "11010519491231002X"  # GB 11643's own example


@pytest.fixture
def app(shopper) -> pyotp.TOTP:
    enrolment = totp.begin_totp_enrolment(user=shopper.user)
    generator = pyotp.TOTP(enrolment.secret)
    totp.confirm_totp_enrolment(user=shopper.user, code=generator.at(time.time() - 30))
    return generator


@pytest.fixture
def verified(shopper):
    return identity.verify_identity(user=shopper.user, name="林小梅", id_number=ID_NUMBER)


def start_day() -> datetime:
    return large_transactions.business_day_bounds(timezone.now())[1]


def paid_order(user, total: str, *, paid_at=None):
    return make_order(user, total=total, state=State.PAID, paid_at=paid_at or timezone.now())


def pay(client, caller, order):
    return client.post(
        f"/api/v1/orders/{order.number}/payments",
        data={"provider": "sandbox"},
        content_type="application/json",
        headers=caller.headers,
    )


def step_up_for(user, order, generator: pyotp.TOTP) -> None:
    binding = stepup.payment_binding(
        order_number=order.number, amount=Money(order.total, order.currency), payee=payee("sandbox")
    )
    challenge = stepup.begin_step_up(user=user, purpose="payment", binding=binding)
    stepup.complete_step_up(user=user, challenge_id=challenge.challenge_id, totp_code=generator.now())


# --- identity verification ----------------------------------------------------------------------


def test_d4_a_day_total_at_the_threshold_without_identity_is_403_saying_how_to_verify(client, shopper):
    paid_order(shopper.user, "60000.00")
    order = make_order(shopper.user, total="40000.00")

    response = pay(client, shopper, order)

    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/identity_verification_required"
    assert problem["verify"]["method"] == "POST" and problem["verify"]["href"] == "/api/v1/account/identity"
    assert set(problem["verify"]["body"]) == {"name", "id_number"}
    assert not Payment.objects.filter(order=order).exists()
    assert not LargeTransactionReport.objects.exists()


def test_d4_a_single_order_at_the_threshold_needs_identity_too(client, shopper):
    order = make_order(shopper.user, total="100000.00")

    assert pay(client, shopper, order).json()["type"] == "/problems/identity_verification_required"


def test_d4_below_the_threshold_for_the_day_nothing_more_is_asked(client, shopper):
    paid_order(shopper.user, "30000.00")
    order = make_order(shopper.user, total="69999.99")

    response = pay(client, shopper, order)

    assert response.status_code == 201
    assert not LargeTransactionReport.objects.exists()


def test_d4_orders_paid_before_the_business_day_began_do_not_count(client, shopper):
    paid_order(shopper.user, "90000.00", paid_at=start_day() - timedelta(seconds=1))
    order = make_order(shopper.user, total="50000.00")

    assert pay(client, shopper, order).status_code == 201


def test_d4_the_business_day_is_the_shanghai_day_not_the_utc_one(client, shopper):
    # 00:30 in Shanghai is 16:30 of the previous day in UTC: still today's purchase.
    paid_order(shopper.user, "90000.00", paid_at=start_day() + timedelta(minutes=30))
    order = make_order(shopper.user, total="50000.00")

    assert pay(client, shopper, order).json()["type"] == "/problems/identity_verification_required"


def test_d4_another_customers_purchases_do_not_count(client, shopper, stranger):
    paid_order(stranger.user, "90000.00")
    order = make_order(shopper.user, total="50000.00")

    assert pay(client, shopper, order).status_code == 201


def test_d4_a_payment_started_today_for_another_unpaid_order_counts(shopper):
    first = make_order(shopper.user, total="60000.00")
    start_payment(order=first, provider="sandbox")
    second = make_order(shopper.user, total="50000.00")

    with pytest.raises(identity.IdentityVerificationRequired):
        start_payment(order=second, provider="sandbox")


def test_d4_a_cancelled_order_with_an_unfinished_payment_does_not_count(shopper):
    first = make_order(shopper.user, total="60000.00")
    start_payment(order=first, provider="sandbox")
    first.state = State.CANCELLED
    first.save(update_fields=["state"])
    second = make_order(shopper.user, total="50000.00")

    assert start_payment(order=second, provider="sandbox").amount == Decimal("50000.00")


# --- step-up ------------------------------------------------------------------------------------


def test_d4_the_day_total_forces_a_step_up_although_this_order_is_below_the_threshold(client, shopper, verified, app):
    paid_order(shopper.user, "60000.00")
    order = make_order(shopper.user, total="50000.00")

    response = pay(client, shopper, order)

    assert response.status_code == 403
    problem = response.json()
    assert problem["type"] == "/problems/step_up_required"
    assert problem["binding"]["order_number"] == order.number and problem["binding"]["amount"] == "50000"
    assert not LargeTransactionReport.objects.exists()


def test_d4_after_identity_and_step_up_the_payment_starts_and_a_report_is_recorded(client, shopper, verified, app):
    paid_order(shopper.user, "60000.00")
    order = make_order(shopper.user, total="50000.00")
    step_up_for(shopper.user, order, app)

    response = pay(client, shopper, order)

    assert response.status_code == 201
    report = LargeTransactionReport.objects.get()
    assert (report.order, report.user, report.identity) == (order, shopper.user, verified)
    assert (report.amount, report.day_total, report.currency) == (Decimal("50000.00"), Decimal("110000.00"), "CNY")
    assert report.business_day == timezone.localdate()
    assert report.status == LargeTransactionReport.Status.PENDING_REVIEW and report.created_at is not None


def test_d4_a_second_payment_attempt_keeps_one_report(shopper, verified, app):
    order = make_order(shopper.user, total="120000.00")
    step_up_for(shopper.user, order, app)
    start_payment(order=order, provider="sandbox")

    start_payment(order=order, provider="sandbox")

    assert Payment.objects.filter(order=order).count() == 2
    assert LargeTransactionReport.objects.filter(order=order).count() == 1


# --- the compliance officer ---------------------------------------------------------------------


@pytest.fixture
def report(shopper, verified, app) -> LargeTransactionReport:
    order = make_order(shopper.user, total="150000.00")
    step_up_for(shopper.user, order, app)
    start_payment(order=order, provider="sandbox")
    return LargeTransactionReport.objects.get(order=order)


def staff_in(group: str, username: str):
    ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def test_d4_the_compliance_officer_sees_reports_in_the_back_office_with_the_identity_masked(client, report):
    client.force_login(staff_in("compliance officer", "officer"))

    listing = client.get("/admin/payments/largetransactionreport/")
    detail = client.get(f"/admin/payments/largetransactionreport/{report.pk}/change/")

    assert listing.status_code == 200 and report.order.number in listing.content.decode()
    page = detail.content.decode()
    assert detail.status_code == 200 and "11************002X" in page and ID_NUMBER not in page


def test_d4_the_compliance_officer_records_a_review(client, report):
    officer = staff_in("compliance officer", "officer")
    client.force_login(officer)

    response = client.post(
        f"/admin/payments/largetransactionreport/{report.pk}/change/",
        {"status": "reviewed", "review_note": "Known customer, wedding set."},
    )

    assert response.status_code == 302
    report.refresh_from_db()
    assert (report.status, report.review_note, report.reviewed_by) == (
        "reviewed",
        "Known customer, wedding set.",
        officer,
    )
    assert report.reviewed_at is not None
    assert (report.amount, report.day_total) == (Decimal("150000.00"), Decimal("150000.00"))  # figures untouched


def test_d4_customer_service_does_not_see_the_reports(client, report):
    client.force_login(staff_in("customer service", "agent"))

    assert client.get("/admin/payments/largetransactionreport/").status_code == 403


def test_d4_nobody_adds_or_deletes_reports_in_the_back_office(client, report):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))

    assert client.get("/admin/payments/largetransactionreport/add/").status_code == 403
    assert (
        client.post(f"/admin/payments/largetransactionreport/{report.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert LargeTransactionReport.objects.filter(pk=report.pk).exists()
