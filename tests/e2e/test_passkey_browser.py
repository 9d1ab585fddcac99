"""passkey.js in Chromium with a virtual authenticator (Chrome DevTools WebAuthn domain): register a
passkey, step up for a payment, sign in — the real browser API end to end against the live server."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client

from auric.accounts import stepup
from auric.accounts.models import PasskeyCredential, StepUpGrant, User
from auric.core.money import Money

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser, live_server, settings):
    url = live_server.url.replace("127.0.0.1", "localhost")
    settings.AURIC_WEBAUTHN_ORIGINS = [url]
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(15_000)
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )
    yield url, context, page, cdp, authenticator["authenticatorId"]
    context.close()


def open_with_session(url, context, page, user=None):
    csrf = _get_new_csrf_string()
    cookies = [{"name": "csrftoken", "value": csrf, "url": url}]
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies.append({"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url})
    context.add_cookies(cookies)
    page.goto(url + "/account/login/")
    page.add_script_tag(url="/static/storefront/passkey.js")
    page.wait_for_function("() => !!window.AuricPasskey")


def test_passkey_js_registers_steps_up_and_signs_in_with_the_browser_prompt(browser_page):
    url, context, page, _cdp, _authenticator_id = browser_page
    user = User.objects.create_user(username="mei", password="correct horse battery staple")
    binding = stepup.payment_binding(order_number="AU-1", amount=Money(Decimal("150000.00")), payee="auric")
    open_with_session(url, context, page, user)

    registered = page.evaluate("() => AuricPasskey.register('laptop')")
    grant = page.evaluate("([p, b]) => AuricPasskey.stepUp(p, b)", ["payment", binding])
    context.clear_cookies()
    open_with_session(url, context, page)
    signed_in = page.evaluate("() => AuricPasskey.signIn('')")

    assert registered["name"] == "laptop"
    assert PasskeyCredential.objects.get(user=user).sign_count >= 1
    assert grant["method"] == "passkey" and grant["binding"] == binding
    assert stepup.require_step_up(user=user, purpose="payment", binding=binding)
    assert signed_in["username"] == "mei"
    assert any(c["name"] == "sessionid" for c in context.cookies())


def test_passkey_js_step_up_fails_when_the_device_does_not_verify_the_user(browser_page):
    url, context, page, cdp, authenticator_id = browser_page
    user = User.objects.create_user(username="lin", password="correct horse battery staple")
    binding = stepup.payment_binding(order_number="AU-2", amount=Money(Decimal("150000.00")), payee="auric")
    open_with_session(url, context, page, user)
    page.evaluate("() => AuricPasskey.register('phone')")
    cdp.send("WebAuthn.setUserVerified", {"authenticatorId": authenticator_id, "isUserVerified": False})

    outcome = page.evaluate(
        "([p, b]) => AuricPasskey.stepUp(p, b).then(() => 'granted', (e) => e.name || e.message)", ["payment", binding]
    )

    assert outcome != "granted"
    assert not StepUpGrant.objects.filter(user=user).exists()
