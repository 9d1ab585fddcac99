"""Schemathesis on the warranty operations, called by a shopper who holds cards: no 5xx, and every
answer as the OpenAPI document declares it."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from auric.accounts.services import issue_api_token
from tests.api.conftest import keep_test_connection  # noqa: F401  (autouse: in-process requests keep the test's connection)

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex="^/api/v1/warranty/"
)


@pytest.fixture
def holder(shopper, ring_card):
    return {"Authorization": f"Bearer {issue_api_token(user=shopper, name='fuzz').secret}"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_a_card_holders_calls_never_fail_and_match_the_schema(case, holder):
    case.call_and_validate(headers=holder, checks=CHECKS)
