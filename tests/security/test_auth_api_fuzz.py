"""schemathesis over the auth, account, cart and checkout API, in-process: no input is a server error.

Generated from our own OpenAPI document, valid and invalid requests go to every operation under
/api/v1/auth, /api/v1/account, /api/v1/cart and /api/v1/checkout — anonymously, and as a signed-in
shopper (bearer token) with a cart, a passkey and an authenticator app, so the calls reach the
code behind the authentication. None may answer 5xx, and every answer must be one the document
declares, in its declared shape. Run on PostgreSQL too (a NUL byte is only refused there).
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator

import pyotp
import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from auric.accounts import totp
from auric.accounts.models import PasskeyCredential
from auric.accounts.services import issue_api_token
from auric.checkout import services as checkout
from tests.checkout.conftest import stocked_piece
from tests.factories import LocationFactory, UserFactory

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PATHS = r"^/api/v1/(auth|account|cart|checkout)(/|$)"
EXAMPLES = settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)

# Loaded at collection (the document needs no database); filtered to the auth and account API.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(path_regex=PATHS)


@pytest.fixture(autouse=True)
def keep_test_connection() -> Iterator[None]:
    """In-process requests would close the test's own connection on PostgreSQL at every request
    start and end, losing its transaction; keep it open for the test."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def shopper_headers(db) -> dict[str, str]:
    """A shopper with a cart line, a passkey and a confirmed authenticator app, by bearer token."""
    user = UserFactory(username="fuzz-shopper")
    store = LocationFactory(code="fuzz-store", sells_online=True)
    checkout.add_piece(cart=checkout.get_cart(user=user, create=True), piece=stocked_piece(store, fixed_price="300.00"))
    PasskeyCredential.objects.create(
        user=user, name="phone", credential_id=secrets.token_urlsafe(32), public_key=b"\xa5\x01\x02"
    )
    enrolment = totp.begin_totp_enrolment(user=user)
    # The previous step's code (the current one stays free for the fuzzed calls), never read in the
    # last seconds of a step: the server's clock could pass into the next step and refuse it.
    if (into_step := time.time() % 30) > 27:
        time.sleep(30.1 - into_step)
    totp.confirm_totp_enrolment(user=user, code=pyotp.TOTP(enrolment.secret).at(time.time() - 30))
    return {"Authorization": f"Bearer {issue_api_token(user=user, name='fuzz').secret}"}


def test_the_fuzzed_api_is_the_auth_and_account_api():
    # Given the filtered schema; when its operations are listed
    paths = {result.ok().path for result in schema.get_all_operations()}

    # Then they are the auth, account, cart and checkout operations, and nothing else
    assert {"/api/v1/auth/token", "/api/v1/auth/register", "/api/v1/account/password", "/api/v1/cart"} <= paths
    assert all(path.split("/")[3] in {"auth", "account", "cart", "checkout"} for path in paths)


@schema.parametrize()
@EXAMPLES
def test_anonymous_auth_and_account_calls_never_fail(case):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@EXAMPLES
def test_a_shoppers_auth_and_account_calls_never_fail(case, shopper_headers):
    case.call_and_validate(headers=shopper_headers, checks=CHECKS)
