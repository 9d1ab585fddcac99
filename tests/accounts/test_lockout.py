"""Login throttling and lockout per account and per IP (API token endpoint and login form)."""

from __future__ import annotations

import logging

import pytest
from django.contrib.auth import authenticate
from django.test import Client, RequestFactory, override_settings
from django.utils import translation

from auric.accounts import lockout
from auric.accounts.forms import LockoutAuthenticationForm
from tests.accounts.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LIMITS = {
    "AURIC_LOGIN_MAX_FAILURES": 3,
    "AURIC_LOGIN_MAX_FAILURES_PER_IP": 6,
    "AURIC_LOGIN_FAILURE_WINDOW_SECONDS": 600,
    "AURIC_LOGIN_LOCKOUT_SECONDS": 900,
}


def ask_token(client: Client, username: str, password: str, ip: str = "203.0.113.5"):
    return client.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


@override_settings(**LIMITS)
def test_repeated_wrong_passwords_lock_the_account_with_a_429_problem_and_retry_after(shopper):
    client = Client()
    statuses = [ask_token(client, "mei", "wrong password").status_code for _ in range(3)]

    response = ask_token(client, "mei", "wrong password")

    assert statuses == [401, 401, 429]  # the third failure locks
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/login_locked"
    assert 0 < int(response["Retry-After"]) <= 900


@override_settings(**LIMITS)
def test_a_locked_account_cannot_sign_in_even_with_the_right_password(shopper):
    client = Client()
    for _ in range(3):
        ask_token(client, "mei", "wrong password")

    response = ask_token(client, "mei", PASSWORD)

    assert response.status_code == 429
    assert shopper.api_tokens.count() == 0


@override_settings(**LIMITS)
def test_the_lock_is_per_account_name_whatever_the_case(shopper):
    client = Client()
    for name in ("mei", "MEI", "Mei"):
        ask_token(client, name, "wrong password", ip=f"198.51.100.{len(name) + ord(name[0])}")

    assert ask_token(client, "mei", PASSWORD, ip="192.0.2.77").status_code == 429


@override_settings(**LIMITS)
def test_a_successful_sign_in_resets_the_account_failures(shopper):
    client = Client()
    ask_token(client, "mei", "wrong password")
    ask_token(client, "mei", "wrong password")
    assert ask_token(client, "mei", PASSWORD).status_code == 201

    ask_token(client, "mei", "wrong password")
    ask_token(client, "mei", "wrong password")

    assert ask_token(client, "mei", PASSWORD).status_code == 201


@override_settings(**LIMITS)
def test_many_failures_from_one_ip_lock_that_ip_for_every_account(shopper, other_shopper):
    client = Client()
    for i in range(6):
        ask_token(client, f"guess{i}", "wrong password", ip="203.0.113.9")

    from_that_ip = ask_token(client, "lin", PASSWORD, ip="203.0.113.9")
    from_elsewhere = ask_token(client, "lin", PASSWORD, ip="203.0.113.10")

    assert from_that_ip.status_code == 429
    assert from_that_ip.json()["scope"] == "ip"
    assert from_elsewhere.status_code == 201


@override_settings(**LIMITS)
def test_unknown_account_names_are_locked_like_real_ones_so_lockout_reveals_nothing(db):
    client = Client()
    for _ in range(3):
        ask_token(client, "nobody-here", "wrong password")

    assert ask_token(client, "nobody-here", "whatever").status_code == 429


@override_settings(**LIMITS)
def test_a_lockout_is_logged(shopper, caplog):
    with caplog.at_level(logging.WARNING, logger="auric.security"):
        for _ in range(3):
            ask_token(Client(), "mei", "wrong password")

    assert any("login lockout" in r.getMessage() for r in caplog.records)


@override_settings(**LIMITS)
def test_the_lock_ends_after_the_lockout_period(shopper, monkeypatch):
    for _ in range(3):
        ask_token(Client(), "mei", "wrong password")
    real_time = lockout.time.time
    monkeypatch.setattr(lockout.time, "time", lambda: real_time() + 901)

    assert lockout.current_lock(username="mei", ip="203.0.113.5") is None


@override_settings(**LIMITS)
def test_the_login_form_shows_a_lockout_message_and_refuses_the_right_password(shopper):
    request = RequestFactory().post("/account/login/", REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        LockoutAuthenticationForm(request, data={"username": "mei", "password": "wrong password"}).is_valid()

    with translation.override("en"):
        form = LockoutAuthenticationForm(request, data={"username": "mei", "password": PASSWORD})
        valid = form.is_valid()

    assert not valid
    assert form.errors.as_data()["__all__"][0].code == "locked"
    assert "Too many failed sign-in attempts. Try again in 15 minutes." in form.non_field_errors()[0]


@override_settings(**LIMITS)
def test_the_login_form_signs_in_and_clears_failures(shopper):
    request = RequestFactory().post("/account/login/", REMOTE_ADDR="203.0.113.5")
    LockoutAuthenticationForm(request, data={"username": "mei", "password": "wrong password"}).is_valid()

    form = LockoutAuthenticationForm(request, data={"username": "mei", "password": PASSWORD})

    assert form.is_valid()
    assert form.get_user() == shopper


@override_settings(AUTHENTICATION_BACKENDS=["auric.accounts.backends.LockoutModelBackend"], **LIMITS)
def test_the_lockout_backend_refuses_a_locked_account_on_every_sign_in_path(shopper):
    request = RequestFactory().post("/admin/login/", REMOTE_ADDR="203.0.113.5")
    for _ in range(3):
        authenticate(request, username="mei", password="wrong password")

    assert authenticate(request, username="mei", password=PASSWORD) is None
    assert authenticate(RequestFactory().post("/", REMOTE_ADDR="192.0.2.1"), username="lin", password="x") is None
