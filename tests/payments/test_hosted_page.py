"""The sandbox's hosted payment page: what it shows, and its buttons leading to a signed callback."""

from __future__ import annotations

import pytest
from django.test import Client

from auric.orders.states import State
from auric.payments.models import Payment, ProviderCallback
from auric.payments.providers import sandbox

pytestmark = pytest.mark.django_db


def test_the_page_shows_the_amount_the_order_and_three_buttons_under_a_strict_csp(client, payment):
    response = client.get(payment.redirect_url)

    assert response.status_code == 200
    html = response.content.decode()
    assert payment.order.number in html and "12800.00 CNY" in html
    for action in ("pay", "fail", "abandon"):
        assert f'name="action" value="{action}"' in html
    assert "csrfmiddlewaretoken" in html
    assert "<style" not in html and "style=" not in html and "<script>" not in html
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp


def test_pressing_pay_sends_a_signed_callback_that_pays_the_order(payment):
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(payment.redirect_url)
    token = page.context["csrf_token"]

    response = browser.post(payment.redirect_url, {"action": "pay", "csrfmiddlewaretoken": str(token)})

    assert response.status_code == 302 and response["Location"] == f"/payments/sandbox/{payment.pk}/result/"
    callback = ProviderCallback.objects.get(payment=payment)
    assert callback.signature_valid and callback.outcome == "applied" and callback.status == "succeeded"
    payment.order.refresh_from_db()
    assert payment.order.state == State.PAID
    result = browser.get(response["Location"])
    assert 'data-state="succeeded"' in result.content.decode()


@pytest.mark.parametrize(("action", "state"), [("fail", "failed"), ("abandon", "abandoned")])
def test_pressing_fail_or_abandon_closes_the_payment_and_leaves_the_order_unpaid(client, payment, action, state):
    client.post(payment.redirect_url, {"action": action})

    payment.refresh_from_db()
    payment.order.refresh_from_db()
    assert payment.state == state and payment.order.state == State.PENDING_PAYMENT


def test_a_post_without_the_csrf_token_is_refused(payment):
    response = Client(enforce_csrf_checks=True).post(payment.redirect_url, {"action": "pay"})

    assert response.status_code == 403
    payment.refresh_from_db()
    assert payment.state == Payment.State.CREATED


def test_a_closed_payment_offers_no_buttons_and_a_second_press_sends_nothing(client, payment):
    client.post(payment.redirect_url, {"action": "pay"})

    page = client.get(payment.redirect_url).content.decode()
    client.post(payment.redirect_url, {"action": "fail"})

    assert 'value="pay"' not in page
    assert ProviderCallback.objects.count() == 1


def test_an_unknown_action_is_a_bad_request(client, payment):
    assert client.post(payment.redirect_url, {"action": "steal"}).status_code == 400


def test_the_page_of_an_unknown_payment_is_404(client, db):
    assert client.get("/payments/sandbox/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_the_signature_is_hmac_sha256_over_timestamp_and_body():
    header = sandbox.sign(b'{"a":1}', timestamp=1700000000, key=b"k")

    assert header == "t=1700000000,v1=" + __import__("hmac").new(b"k", b'1700000000.{"a":1}', "sha256").hexdigest()
