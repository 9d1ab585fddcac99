"""Who may write, and how every refusal reads: problem+json, the right status, nothing written."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from auric.accounts.models import ApiToken
from auric.accounts.services import authenticate_api_token, issue_api_token
from auric.pricing.models import MetalPrice
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
PRICES = f"{API}/pricing/metal-prices"


def a_price(**changes):
    body = {
        "metal": "gold",
        "fineness": 990,
        "on_date": timezone.localdate().isoformat(),
        "price_per_gram": "790.50",
        "currency": "CNY",
    }
    body.update(changes)
    return body


def post(client, body, headers=None, content_type="application/json"):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(PRICES, data=data, content_type=content_type, headers=headers or {})


def assert_problem(response, status):
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("/problems/")
    assert body["title"]
    return body


# --- authentication and permission ---------------------------------------------------------------


def test_writing_without_credentials_is_401(client, shop):
    before = MetalPrice.objects.count()
    body = assert_problem(post(client, a_price()), 401)
    assert body["type"] == "/problems/unauthenticated"
    assert MetalPrice.objects.count() == before


def test_a_token_without_the_permission_is_403(client, shop, bystander):
    before = MetalPrice.objects.count()
    body = assert_problem(post(client, a_price(), bystander.headers), 403)
    assert body["permission"] == "pricing.add_metalprice"
    assert MetalPrice.objects.count() == before


def test_a_revoked_token_is_401(client, shop, revoked):
    assert_problem(post(client, a_price(), revoked.headers), 401)


def test_a_made_up_token_is_401(client, shop, price_editor):
    forged = re.sub(r"\.[^.]+$", ".not-the-secret", price_editor.secret)
    assert_problem(post(client, a_price(), {"Authorization": f"Bearer {forged}"}), 401)


def test_a_token_of_a_deactivated_user_is_401(client, shop, price_editor):
    price_editor.user.is_active = False
    price_editor.user.save()
    assert_problem(post(client, a_price(), price_editor.headers), 401)


def test_using_a_token_records_when_it_was_last_used(client, shop, price_editor):
    post(client, a_price(), price_editor.headers)
    price_editor.token.refresh_from_db()
    assert price_editor.token.last_used_at is not None


def test_a_logged_in_browser_session_with_csrf_may_write(shop, price_editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(price_editor.user)
    browser.get(f"{API}/docs")  # sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    response = post(browser, a_price(), {"X-CSRFToken": token})
    assert response.status_code == 201, response.content


def test_a_logged_in_browser_session_without_csrf_is_403(shop, price_editor):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(price_editor.user)
    before = MetalPrice.objects.count()
    body = assert_problem(post(browser, a_price()), 403)
    assert "CSRF" in body["detail"]
    assert MetalPrice.objects.count() == before


def test_reads_are_public(client, shop):
    assert client.get(f"{API}/pricing/metal-prices/today").status_code == 200


# --- tokens ----------------------------------------------------------------------------------------


def test_a_token_is_stored_as_prefix_and_hash_only(db):
    user = UserFactory()
    issued = issue_api_token(user=user, name="feed")
    row = ApiToken.objects.get(pk=issued.token.pk)
    secret = issued.secret.rsplit(".", 1)[1]
    assert secret not in row.secret_hash and len(row.secret_hash) == 64
    assert issued.secret.startswith(f"aur.{row.key_prefix}.")
    assert authenticate_api_token(issued.secret) == user


def test_the_management_command_prints_a_working_token_once(db):
    user = UserFactory(username="feeder")
    out = StringIO()
    call_command("issue_api_token", "feeder", "price feed", stdout=out, stderr=StringIO())
    secret = out.getvalue().strip()
    assert authenticate_api_token(secret) == user
    assert ApiToken.objects.get(user=user).name == "price feed"


def test_a_token_needs_a_name(db):
    from auric.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        issue_api_token(user=UserFactory(), name="  ")


# --- bad input: 4xx problem+json and nothing written ----------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"metal": "unobtainium"}, "metal"),
        ({"fineness": 999}, "fineness"),  # not a GB 11887 mark for gold
        ({"fineness": 10**30}, "fineness"),
        ({"price_per_gram": "-5.00"}, "price_per_gram"),
        ({"price_per_gram": "0"}, "price_per_gram"),
        ({"price_per_gram": "1e3"}, "price_per_gram"),
        ({"price_per_gram": 790.5}, "price_per_gram"),
        ({"price_per_gram": "99999999.99"}, "price_per_gram"),
        ({"on_date": "2025-02-30"}, "on_date"),
        ({"on_date": "1999-01-01"}, "on_date"),
        ({"on_date": (timezone.localdate() + timedelta(days=30)).isoformat()}, "on_date"),
        ({"currency": "XXXX"}, "currency"),
        ({"currency": "C\x00Y"}, "currency"),
    ],
)
def test_bad_metal_prices_are_refused_with_field_errors(client, shop, price_editor, change, field):
    before = MetalPrice.objects.count()
    body = assert_problem(post(client, a_price(**change), price_editor.headers), 422)
    assert field in body["errors"], body
    assert body["detail"]
    assert MetalPrice.objects.count() == before


def test_a_body_that_is_not_json_is_400(client, shop, price_editor):
    assert_problem(post(client, "{not json", price_editor.headers), 400)


def test_a_missing_field_is_named(client, shop, price_editor):
    body = {k: v for k, v in a_price().items() if k != "metal"}
    assert "metal" in assert_problem(post(client, body, price_editor.headers), 422)["errors"]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/catalog/styles", {"page_size": 101}),
        ("/catalog/styles", {"page_size": 0}),
        ("/catalog/styles", {"page": 10**20}),
        ("/catalog/styles", {"q": "足金\x00"}),
        ("/catalog/styles", {"metal": "unobtainium"}),
        ("/catalog/styles", {"ordering": "cheapest"}),
        ("/catalog/styles", {"price_min": "-1"}),
        ("/catalog/styles", {"category": "gold\x00"}),
        ("/search", {"q": "x" * 201}),
        ("/pricing/metal-prices", {"date_from": "yesterday"}),
        ("/pricing/metal-prices", {"fineness": "-1"}),
        ("/pricing/metal-prices", {"currency": "cny\x00"}),
        ("/inventory/availability", {"style": "gufa\x00bangle"}),
        ("/inventory/locations", {"city": "上海\x00"}),
    ],
)
def test_bad_query_parameters_are_422(client, shop, path, params):
    assert_problem(client.get(f"{API}{path}", params), 422)


@pytest.mark.parametrize(
    "path",
    ["/catalog/styles/gufa%00bangle", "/catalog/pieces/SN%00", "/catalog/styles/%00/price-changes"],
)
def test_nul_bytes_in_paths_are_refused(client, shop, path):
    response = client.get(f"{API}{path}")
    assert response.status_code in {404, 422}
    assert response["Content-Type"] == "application/problem+json"


def test_a_page_past_the_end_answers_with_the_last_page(client, shop):
    body = client.get(f"{API}/pricing/metal-prices", {"page": 50}).json()
    assert body["page"] == body["pages"] == 1
