"""Paying a high-value order in the storefront asks the shopper to confirm it is them (COMPLIANCE D2)."""

from __future__ import annotations

import time

import pyotp
import pytest

from auric.accounts import identity, totp
from auric.payments.models import Payment
from tests.factories import UserFactory
from tests.payments.conftest import make_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def shopper(client):
    user = UserFactory(username="lin")
    client.force_login(user)
    return user


@pytest.fixture
def authenticator(shopper) -> pyotp.TOTP:
    enrolment = totp.begin_totp_enrolment(user=shopper)
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm_totp_enrolment(user=shopper, code=app.at(time.time() - 30))
    # A payment at the threshold is also a large transaction of the day (D4): identity verified once.
    identity.verify_identity(user=shopper, name="林小梅", id_number="11010519491231002X")
    return app


def test_D2_paying_a_high_value_order_shows_the_step_up_form_and_starts_no_payment(client, shopper, authenticator):
    order = make_order(shopper, total="120000.00")

    response = client.post(f"/account/orders/{order.number}/pay/")

    assert response.status_code == 403
    page = response.content.decode()
    assert 'data-testid="step-up"' in page and "data-step-up-passkey" in page and 'name="totp_code"' in page
    assert f'action="/account/orders/{order.number}/pay/"' in page
    assert "storefront/passkey" in page  # the browser's passkey prompt (script file, CSP-safe)
    assert not Payment.objects.exists()


def test_D2_a_code_from_the_authenticator_app_confirms_and_opens_the_payment(client, shopper, authenticator):
    order = make_order(shopper, total="120000.00")

    response = client.post(f"/account/orders/{order.number}/pay/", {"totp_code": authenticator.now()})

    payment = Payment.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == payment.redirect_url


def test_D2_a_wrong_code_is_refused_and_starts_no_payment(client, shopper, authenticator):
    order = make_order(shopper, total="120000.00")
    wrong = "000000" if authenticator.now() != "000000" else "111111"

    response = client.post(f"/account/orders/{order.number}/pay/", {"totp_code": wrong}, follow=True)

    assert not Payment.objects.exists()
    assert "The code is wrong, expired or already used." in response.content.decode()
