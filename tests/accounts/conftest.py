"""Fixtures for accounts tests: users, a software authenticator, enrolled passkeys and TOTP."""

from __future__ import annotations

import time

import pyotp
import pytest
from django.test import Client

from auric.accounts import passkeys, totp
from auric.accounts.models import User
from auric.accounts.services import issue_api_token
from tests.accounts.authenticator import SoftAuthenticator

PASSWORD = "correct horse battery staple"  # a test password


@pytest.fixture
def shopper(db) -> User:
    return User.objects.create_user(username="mei", password=PASSWORD, email="mei@example.com")


@pytest.fixture
def other_shopper(db) -> User:
    return User.objects.create_user(username="lin", password=PASSWORD)


@pytest.fixture
def authenticator() -> SoftAuthenticator:
    return SoftAuthenticator()


@pytest.fixture
def passkey(shopper, authenticator):
    ceremony = passkeys.begin_registration(user=shopper)
    return passkeys.complete_registration(
        user=shopper,
        challenge_id=ceremony.challenge_id,
        credential=authenticator.create(ceremony.options),
        name="phone",
    )


@pytest.fixture
def totp_secret(shopper) -> str:
    enrolment = totp.begin_totp_enrolment(user=shopper)
    secret = enrolment.secret
    t = pyotp.TOTP(secret)
    # confirm with the previous step's code so the current step's code stays usable in the test
    totp.confirm_totp_enrolment(user=shopper, code=t.at(time.time() - 30))
    return secret


@pytest.fixture
def api(shopper) -> Client:
    client = Client()
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {issue_api_token(user=shopper, name='test').secret}"
    return client
