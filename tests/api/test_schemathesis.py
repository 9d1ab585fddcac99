"""Property-based tests of every operation against our own OpenAPI document (schemathesis, in-process).

For each operation, schemathesis generates valid and invalid requests from the schema and checks
that none gets a 5xx and that every response matches what the document declares (status codes,
content types, bodies). Run on PostgreSQL too: a NUL byte or an oversized number only fails there.
"""

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

pytestmark = pytest.mark.django_db

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


# Loaded when the module is collected (no database needed for the document itself); the lazy
# `schemathesis.pytest.from_fixture` loader does not work with pytest 9.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_anonymous_calls_never_fail_and_match_the_schema(case, shop):
    case.call_and_validate(checks=CHECKS)


@schema.include(method="POST").parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_authorised_writes_never_fail_and_match_the_schema(case, shop, price_editor):
    case.call_and_validate(headers=price_editor.headers, checks=CHECKS)
