"""The OpenAPI document and the API explorer: consistent, complete, and served without a CDN."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture
def schema(client):
    return client.get(f"{API}/openapi.json").json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_every_operation_declares_its_error_responses_as_problem_json(schema):
    for path, method, operation in operations(schema):
        codes = set(operation["responses"])
        assert {"400", "422"} <= codes, (method, path)
        if method == "post":
            # 201 for what creates something; 202 accepted for later, 204 for a change with nothing to return
            assert codes & {"201", "202", "204"} and {"401", "403", "409"} <= codes, path
        for code, response in operation["responses"].items():
            if int(code) >= 400:
                assert list(response["content"]) == ["application/problem+json"], (path, code)


def test_lists_share_one_pagination_and_ordering_vocabulary(schema):
    for path, _method, operation in operations(schema):
        names = {p["name"] for p in operation.get("parameters", [])}
        if "page" in names:
            assert "page_size" in names, path
            size = next(p for p in operation["parameters"] if p["name"] == "page_size")
            assert size["schema"]["maximum"] == 100
        assert not names & {"sort", "order", "order_by", "per_page", "limit", "offset"}, path


def test_decimals_are_strings_with_a_pattern(schema):
    out = schema["components"]["schemas"]["MetalPriceOut"]["properties"]["price_per_gram"]
    assert out["type"] == "string" and out["pattern"]
    body = schema["components"]["schemas"]["MetalPriceIn"]["properties"]["price_per_gram"]
    assert body["type"] == "string" and body["pattern"]


def test_the_write_declares_bearer_and_session_security(schema):
    post = schema["paths"][f"{API}/pricing/metal-prices"]["post"]
    assert {next(iter(s)) for s in post["security"]} == {"BearerToken", "BrowserSession"}


def test_the_docs_page_loads_swagger_from_our_own_static_files(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui-bundle.js" in html
    external = re.findall(r"""(?:src|href)=["'](https?:)?//""", html)
    assert external == []
    # Not a bare "cdn" substring: the page's random CSRF token can contain those letters.
    assert not re.search(r"jsdelivr|unpkg|cdnjs|//cdn\.", html, flags=re.IGNORECASE)


def test_api_docs_redirects_to_the_versioned_docs(client):
    response = client.get("/api/docs")
    assert response.status_code in {301, 302}
    assert response["Location"] == "/api/v1/docs"
