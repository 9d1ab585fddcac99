"""`POST /api/v1/auth/token` is a sign-in like the form's: risk-screened with the request's client,
refused with 403 `login_blocked` (and no token) when the rules block it, never stopped by a failing
engine."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from auric.accounts.models import ApiToken, User
from auric.risk import services
from auric.risk.context import device_hash
from auric.risk.models import Decision, DeviceSighting, Outcome, Subject
from tests.accounts.conftest import PASSWORD
from tests.factories import UserFactory
from tests.risk.conftest import SHANGHAI_IP, new_thresholds

pytestmark = pytest.mark.django_db
PHONE = "mei-phone-0123456789abcdef"
AGENT = "AuricApp/2.3 (iOS 18)"


def ask_token(username: str = "mei", password: str = PASSWORD, device: str = PHONE):
    client = Client(REMOTE_ADDR=SHANGHAI_IP, HTTP_USER_AGENT=AGENT, headers={"X-Device-Id": device})
    return client.post(
        "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
    )


def test_a_token_sign_in_is_scored_with_the_client_of_the_request(shopper):
    response = ask_token()

    assert response.status_code == 201 and ApiToken.objects.filter(user=shopper).count() == 1
    decision = Decision.objects.get(subject=Subject.LOGIN, user=shopper)
    assert decision.client == {
        "ip_network": "202.96.209.0/24",
        "ip_region": "中国 上海 上海市",
        "device": device_hash(PHONE),
        "user_agent": AGENT,
    }
    assert decision.outcome == Outcome.ALLOW
    assert DeviceSighting.objects.filter(user=shopper, device=device_hash(PHONE)).exists()
    shopper.refresh_from_db()
    assert shopper.last_login is not None  # a sign-in, as the form's


def test_a_wrong_password_is_not_scored():
    User.objects.create_user(username="mei", password=PASSWORD)

    assert ask_token(password="wrong password").status_code == 401
    assert not Decision.objects.exists()


def test_a_blocked_account_gets_403_and_no_token(shopper):
    # given rules that block a new account on a new device
    new_thresholds(5, 10, 20)

    response = ask_token()

    assert response.status_code == 403
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/login_blocked"
    assert not ApiToken.objects.exists()
    decision = Decision.objects.get(subject=Subject.LOGIN, user=shopper)
    assert decision.outcome == Outcome.BLOCK and len(decision.reasons) == 2


def test_the_refusal_speaks_the_shoppers_language(shopper):
    new_thresholds(5, 10, 20)
    client = Client(REMOTE_ADDR=SHANGHAI_IP, HTTP_ACCEPT_LANGUAGE="zh-hans", headers={"X-Device-Id": PHONE})

    response = client.post(
        "/api/v1/auth/token", {"username": "mei", "password": PASSWORD}, content_type="application/json"
    )

    assert response.status_code == 403 and response.json()["title"] == "此次登录已被拒绝"


def test_a_device_shared_by_many_accounts_is_blocked_while_the_accounts_own_device_is_not(shopper):
    # given an old account, and a phone two other accounts used this month
    User.objects.filter(pk=shopper.pk).update(date_joined=timezone.now() - timedelta(days=400))
    for name in ("x1", "x2"):
        DeviceSighting.objects.create(device=device_hash("shared-phone-0123456789"), user=UserFactory(username=name))
    new_thresholds(20, 30, 35)  # new device 10 + shared device 25 = 35

    # when it asks for a token from that phone, then from its own
    shared = ask_token(device="shared-phone-0123456789")
    own = ask_token(device=PHONE)

    # then the shared phone is refused, its own (new device 10: allow) gets a token
    assert shared.status_code == 403 and own.status_code == 201
    assert ApiToken.objects.filter(user=shopper).count() == 1
    outcomes = list(Decision.objects.filter(subject=Subject.LOGIN).order_by("pk").values_list("outcome", flat=True))
    assert outcomes == [Outcome.BLOCK, Outcome.ALLOW]


@pytest.mark.parametrize(
    ("thresholds", "outcome"),
    [((5, 150, 200), Outcome.STEP_UP), ((5, 20, 150), Outcome.HOLD)],  # new account 10 + new device 10 = 20
)
def test_a_step_up_or_hold_at_sign_in_is_recorded_only_as_for_the_form(shopper, thresholds, outcome):
    new_thresholds(*thresholds)

    response = ask_token()

    assert response.status_code == 201 and ApiToken.objects.filter(user=shopper).count() == 1
    assert Decision.objects.get(subject=Subject.LOGIN).outcome == outcome


def test_a_failing_engine_does_not_stop_a_token_sign_in(shopper, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the engine is down")

    monkeypatch.setattr(services, "screen_login", broken)

    assert ask_token().status_code == 201
    assert ApiToken.objects.filter(user=shopper).count() == 1


def test_the_openapi_document_declares_the_403_of_the_token_endpoint(client):
    operation = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/auth/token"]["post"]

    assert list(operation["responses"]["403"]["content"]) == ["application/problem+json"]
    assert "login_blocked" in operation["description"]
