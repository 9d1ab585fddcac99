"""Headers every response carries, and CSRF on every browser write."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from auric.accounts.models import User
from auric.core.middleware import ordered, relaxed_policy, strict_policy

pytestmark = [pytest.mark.django_db]


def directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in policy.split("; ")}


def test_storefront_pages_get_the_strict_policy_with_no_inline_code_and_no_other_origin(client):
    policy = directives(client.get("/")["Content-Security-Policy"])

    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["frame-ancestors"] == "'none'"
    assert policy["form-action"] == "'self'" and policy["base-uri"] == "'self'"


def test_api_answers_get_the_strict_policy_too(client):
    assert client.get("/api/v1/catalog/categories")["Content-Security-Policy"] == strict_policy()


@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/docs"])
def test_staff_tools_get_the_relaxed_policy_that_still_names_only_our_origin(client, path):
    response = client.get(path)
    policy = directives(response["Content-Security-Policy"])

    assert "'unsafe-inline'" in policy["script-src"]
    assert all(
        source in {"'self'", "'none'", "'unsafe-inline'", "'unsafe-eval'", "data:", "blob:"}
        for value in policy.values()
        for source in value.split()
    )
    assert policy["frame-ancestors"] == "'none'"
    assert response["Content-Security-Policy"] == relaxed_policy()


def test_the_header_lists_directives_in_the_order_of_the_settings():
    assert strict_policy().startswith("default-src 'self'; script-src 'self'; style-src 'self'; img-src")
    assert ordered("frame-ancestors 'none'; default-src 'self'") == "default-src 'self'; frame-ancestors 'none'"


def test_a_page_may_add_vetted_sources_without_losing_the_rest_of_the_policy():
    policy = directives(strict_policy(script_sources=("'wasm-unsafe-eval'",), style_sources=("'sha256-abc='",)))
    assert policy["script-src"] == "'self' 'wasm-unsafe-eval'" and policy["style-src"] == "'self' 'sha256-abc='"
    assert policy["frame-ancestors"] == "'none'"


def test_every_response_forbids_framing_and_sniffing(client):
    response = client.get("/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


# --- CSRF ---------------------------------------------------------------------------------------


def test_a_login_form_post_without_the_csrf_token_is_refused():
    browser = Client(enforce_csrf_checks=True)
    response = browser.post("/account/login/", {"username": "mei", "password": "x" * 12})
    assert response.status_code == 403


def test_a_signed_in_api_write_without_the_csrf_header_is_refused():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(User.objects.create_user(username="mei", password="x" * 12))
    response = browser.delete("/api/v1/cart")
    assert response.status_code == 403


def _views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            found += _views(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            found.append((prefix + str(entry.pattern), entry.callback))
    return found


def test_no_page_outside_the_api_opts_out_of_csrf():
    # The API is csrf_exempt at the Django level because django-ninja checks CSRF itself for
    # session callers (bearer tokens and signed webhooks cannot be forged cross-site).
    exempt = [
        route
        for route, view in _views(get_resolver())
        if getattr(view, "csrf_exempt", False) and not route.startswith("api/v1/")
    ]
    assert exempt == []
