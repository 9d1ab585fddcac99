"""Rate limits at the edge: every limited endpoint, the 429 answers, buckets per client."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client

from auric.accounts.models import User

pytestmark = [pytest.mark.django_db]

API = "application/problem+json"


@pytest.fixture
def limits_on(settings, one_rate_window):
    settings.AURIC_RATE_LIMITS = True
    settings.AURIC_RATE_TRUSTED_PROXIES = 0
    return settings


def token_call(client: Client, **extra):
    # A malformed sign-in (422): counted here, and never reaching the accounts app's own lockout.
    return client.post("/api/v1/auth/token", {}, content_type="application/json", **extra)


def test_the_eleventh_sign_in_attempt_in_a_minute_is_refused_with_problem_json(limits_on):
    client = Client()
    answers = [token_call(client) for _ in range(10)]
    assert all(a.status_code != 429 for a in answers)

    refused = token_call(client)

    assert refused.status_code == 429
    assert refused["Content-Type"] == API
    body = refused.json()
    assert body["status"] == 429 and body["code"] == "rate_limited" and body["type"] == "/problems/rate_limited"
    assert body["title"] and body["detail"]
    assert 1 <= int(refused["Retry-After"]) <= 60 and body["retry_after"] == int(refused["Retry-After"])


def test_the_login_page_shares_the_sign_in_allowance_and_answers_with_a_short_page(limits_on):
    client = Client()
    for _ in range(10):
        token_call(client)

    refused = client.post("/account/login/", {"username": "nobody", "password": "wrong-password-1"})

    assert refused.status_code == 429
    assert refused["Content-Type"].startswith("text/html")
    assert b"<h1>" in refused.content and int(refused["Retry-After"]) >= 1


def test_each_ip_has_its_own_allowance(limits_on):
    client = Client()
    for _ in range(11):
        token_call(client, REMOTE_ADDR="203.0.113.1")

    assert token_call(client, REMOTE_ADDR="203.0.113.1").status_code == 429
    assert token_call(client, REMOTE_ADDR="203.0.113.2").status_code != 429


def test_a_spoofed_forwarded_for_header_does_not_buy_a_fresh_allowance(limits_on):
    client = Client()
    for n in range(10):
        token_call(client, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert token_call(client, HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


def test_signed_in_shoppers_behind_one_address_are_counted_apart(limits_on):
    limits_on.AURIC_RATE_RULES = [("GET", r"^/search$", "search", "2/m")]
    mei, lin = Client(), Client()
    mei.force_login(User.objects.create_user(username="mei", password="x" * 12))
    lin.force_login(User.objects.create_user(username="lin", password="x" * 12))
    for _ in range(2):
        assert mei.get("/search?q=ring").status_code == 200

    assert mei.get("/search?q=ring").status_code == 429
    assert lin.get("/search?q=ring").status_code == 200


def test_the_switch_turns_every_limit_off(settings):
    settings.AURIC_RATE_LIMITS = False
    client = Client()
    assert all(token_call(client).status_code != 429 for _ in range(25))


def test_requests_no_rule_names_are_never_counted(limits_on):
    limits_on.AURIC_RATE_RULES = [("POST", r"^/api/v1/auth/", "auth", "1/m")]
    client = Client()
    assert all(client.get("/healthz").status_code == 200 for _ in range(5))
    assert all(client.get("/api/v1/auth/token").status_code != 429 for _ in range(5))  # GET is not limited


LIMITED = [
    ("POST", "/api/v1/auth/register", "auth"),
    ("POST", "/api/v1/auth/token", "auth"),
    ("POST", "/api/v1/auth/passkeys/assert", "auth"),
    ("POST", "/api/v1/auth/step-up/totp", "auth"),
    ("POST", "/account/login/", "auth"),
    ("POST", "/account/register/", "auth"),
    ("POST", "/api/v1/checkout", "checkout"),
    ("POST", "/checkout/", "checkout"),
    ("GET", "/search", "search"),
    ("GET", "/api/v1/search", "search"),
    ("POST", "/api/v1/payments/sandbox/webhook", "webhook"),
    ("POST", "/api/v1/payments/alipay/webhook", "webhook"),
]


def _rules_for(method: str, path: str) -> list[str]:
    return [
        bucket
        for methods, pattern, bucket, _rate in django_settings.AURIC_RATE_RULES
        if method in methods.split() and re.search(pattern, path)
    ]


@pytest.mark.parametrize(("method", "path", "bucket"), LIMITED)
def test_every_sensitive_endpoint_has_a_limit_in_the_settings_table(method, path, bucket):
    assert _rules_for(method, path) == [bucket]


@pytest.mark.parametrize(("method", "path", "bucket"), LIMITED)
def test_every_sensitive_endpoint_answers_429_once_its_allowance_is_spent(limits_on, method, path, bucket):
    limits_on.AURIC_RATE_RULES = [(m, p, b, "2/m") for m, p, b, _rate in limits_on.AURIC_RATE_RULES]
    client = Client()
    call = client.post if method == "POST" else client.get
    for _ in range(2):
        assert call(path).status_code != 429

    refused = call(path)

    assert refused.status_code == 429 and "Retry-After" in refused
    if path.startswith("/api/"):
        assert refused["Content-Type"] == API and refused.json()["code"] == "rate_limited"
    else:
        assert refused["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/"), ("GET", "/p/some-ring/"), ("GET", "/api/v1/catalog/styles"), ("POST", "/api/v1/cart/items")],
)
def test_browsing_is_not_limited(method, path):
    assert _rules_for(method, path) == []
