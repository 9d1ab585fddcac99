"""The shopper's password page: a sensitive change behind the current password and a step-up (S5)."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.utils import translation

from auric.accounts import totp
from auric.accounts.models import User

pytestmark = pytest.mark.django_db

CURRENT = "correct horse battery staple"  # test passwords
NEW = "a much longer pass phrase 2026"


@pytest.fixture
def shopper(client):
    user = User.objects.create_user(username="lin", password=CURRENT)
    client.force_login(user)
    return user


@pytest.fixture
def authenticator(shopper) -> pyotp.TOTP:
    enrolment = totp.begin_totp_enrolment(user=shopper)
    app = pyotp.TOTP(enrolment.secret)
    totp.confirm_totp_enrolment(user=shopper, code=app.at(time.time() - 30))
    return app


def change(client, current=CURRENT, new=NEW, again=None):
    form = {"current_password": current, "new_password": new, "new_password_again": new if again is None else again}
    return client.post("/account/security/password/", form, follow=True)


def test_without_a_second_factor_the_form_changes_the_password_and_keeps_this_browser_signed_in(client, shopper):
    page = client.get("/account/security/password/").content.decode()

    response = change(client)

    assert 'data-testid="password-form"' in page
    assert response.redirect_chain[-1][0] == "/account/security/"
    assert User.objects.get(pk=shopper.pk).check_password(NEW)
    assert client.get("/account/security/").status_code == 200  # still signed in


def test_with_an_authenticator_app_the_page_asks_for_a_code_first_then_shows_the_form(client, shopper, authenticator):
    first = client.get("/account/security/password/").content.decode()
    confirmed = client.post("/account/security/password/", {"totp_code": authenticator.now()}, follow=True)

    assert 'name="totp_code"' in first and 'data-testid="password-form"' not in first
    assert 'data-testid="password-form"' in confirmed.content.decode()
    assert change(client).redirect_chain[-1][0] == "/account/security/"
    assert User.objects.get(pk=shopper.pk).check_password(NEW)


def test_posting_the_form_without_the_step_up_changes_nothing(client, shopper, authenticator):
    response = client.post(
        "/account/security/password/", {"current_password": CURRENT, "new_password": NEW, "new_password_again": NEW}
    )

    assert response.status_code == 403
    assert 'name="totp_code"' in response.content.decode()
    assert User.objects.get(pk=shopper.pk).check_password(CURRENT)


@pytest.mark.parametrize(
    ("current", "new", "again", "message"),
    [
        ("wrong password", NEW, NEW, "The current password is wrong"),
        (CURRENT, NEW, NEW + "x", "The two new passwords are not the same"),
        (CURRENT, "12345678", "12345678", "This password is too common"),
    ],
    ids=["wrong current password", "repeated differently", "too weak"],
)
def test_bad_input_says_why_and_changes_nothing(client, shopper, current, new, again, message):
    with translation.override("en"):
        response = client.post(
            "/account/security/password/",
            {"current_password": current, "new_password": new, "new_password_again": again},
            HTTP_ACCEPT_LANGUAGE="en",
        )

    assert response.status_code == 400
    assert message in response.content.decode()
    assert User.objects.get(pk=shopper.pk).check_password(CURRENT)
