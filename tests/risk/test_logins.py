"""Sign-ins: the middleware captures the client, every sign-in is scored, a block ends the session."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from auric.risk.context import DEVICE_COOKIE, device_hash
from auric.risk.models import Decision, DeviceSighting, Outcome, Subject
from tests.factories import UserFactory
from tests.risk.conftest import new_thresholds

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def sign_in(client: Client, username: str, **extra):
    return client.post("/account/login/", {"username": username, "password": PASSWORD}, **extra)


def test_a_first_write_gets_a_device_cookie_that_is_http_only_and_pages_stay_cookie_free():
    # when a new browser reads a page, then no device cookie is set (cacheable)
    assert DEVICE_COOKIE not in Client().get("/").cookies

    # when it signs in (a write), then it gets its device id
    UserFactory(username="lin")
    cookie = sign_in(Client(), "lin").cookies[DEVICE_COOKIE]
    assert len(cookie.value) >= 16 and cookie["httponly"] and cookie["samesite"] == "Lax"


def test_a_sign_in_is_scored_and_remembers_the_device():
    # given a shopper on a new browser
    UserFactory(username="lin")
    client = Client(REMOTE_ADDR="202.96.209.133", HTTP_USER_AGENT="Mozilla/5.0 (Android)")

    # when they sign in twice (the first sign-in hands out the device cookie)
    first = sign_in(client, "lin")
    device = client.cookies[DEVICE_COOKIE].value
    client.cookies.pop(settings.SESSION_COOKIE_NAME)  # signed out; the device cookie stays
    sign_in(client, "lin")

    # then both sign-ins were scored: the device is new the first time only
    assert first.status_code == 302
    decisions = list(Decision.objects.filter(subject=Subject.LOGIN).order_by("decided_at", "id"))
    new_device = [next(s for s in d.signals if s["signal"] == "new_device")["fired"] for d in decisions]
    assert new_device == [True, False]
    assert (
        decisions[0].client["ip_network"] == "202.96.209.0/24"
        and decisions[0].client["ip_region"] == "中国 上海 上海市"
    )
    assert DeviceSighting.objects.get(device=device_hash(device)).times == 2


def test_an_app_names_its_device_in_a_header():
    UserFactory(username="lin")
    client = Client(headers={"X-Device-Id": "app-install-0123456789abcdef"})

    sign_in(client, "lin")

    decision = Decision.objects.get(subject=Subject.LOGIN)
    assert decision.client["device"] == device_hash("app-install-0123456789abcdef")


def test_a_blocked_sign_in_ends_the_session():
    # given rules that block a sign-in of a new account on a new device
    new_thresholds(5, 10, 20)
    UserFactory(username="mallory")
    client = Client()

    # when it signs in
    response = sign_in(client, "mallory")

    # then the sign-in is refused with a problem, recorded with its reasons, and no session remains
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/login_blocked"
    decision = Decision.objects.get(subject=Subject.LOGIN)
    assert decision.outcome == Outcome.BLOCK and len(decision.reasons) == 2
    assert "_auth_user_id" not in client.session


def test_a_sign_in_is_not_stopped_by_a_failing_engine(monkeypatch):
    from auric.risk import services

    monkeypatch.setattr(services, "screen_login", lambda **kw: 1 / 0)
    UserFactory(username="lin")
    client = Client()

    response = sign_in(client, "lin")

    assert response.status_code == 302 and "_auth_user_id" in client.session
