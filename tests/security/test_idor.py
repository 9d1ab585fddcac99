"""No caller can read or change another's objects (insecure direct object references).

The API part walks the OpenAPI document: every operation on a path with a `{…}` parameter must be
in OBJECT_OPERATIONS (how to fill it with a victim's object) or in PUBLIC_OPERATIONS (with the
reason it is public). Each object operation is called with shopper B's objects — which are also the
objects of store 2 — by shopper A and by the staff and franchisee of store 1, with a bearer token
and with a browser session. None may answer 2xx, a shopper gets 404 exactly as for an object that
does not exist, and no table changes. The owner (or an operator, for staff operations) calling the
same operation is not refused: the fill names a real object, so the refusals prove something.

The back-office part walks every store-scoped admin and every URL of it that names an object, as
the staff or franchisee of store 1 with store 2's objects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, reverse

from auric.accounts.models import User
from auric.api import api
from auric.core.errors import PROBLEM_CONTENT_TYPE
from auric.inventory.admin import StoreScopedAdminMixin
from auric.inventory.models import Location
from tests.security.idor_support import (
    FRANCHISEE,
    STORE_OBJECT_MODELS,
    STORE_STAFF,
    Party,
    changed_tables,
    make_operator,
    make_party,
    make_store_user,
    snapshot,
)

pytestmark = pytest.mark.django_db

NOT_FOUND = frozenset({404})
FORBIDDEN = frozenset({403})


@dataclass(frozen=True)
class Target:
    """How to call one object operation with a party's objects, and what a stranger must get."""

    params: Callable[[Party], dict[str, Any]]
    body: Callable[[Party], dict[str, Any]] | None = None
    # A shopper calling with someone else's object: 404, as for an object that does not exist.
    refused: frozenset[int] = NOT_FOUND
    # Staff-only operations are refused on the permission (403) before the object is looked up.
    control: str = "owner"  # who may call it on the object: "owner" or "operator"
    multipart: bool = False  # the body is a form with a file, not JSON


def _report_form() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    pdf = SimpleUploadedFile("report.pdf", b"%PDF-1.7 idor", content_type="application/pdf")
    return {"file": pdf, "issuer": "NGTC", "report_number": "IDOR-1"}


def _return_lines(party: Party) -> dict[str, Any]:
    return {"lines": [{"line_id": line.pk, "reason": "defective"} for line in party.collected_order.lines.all()]}


OBJECT_OPERATIONS: dict[str, Target] = {
    "DELETE /api/v1/auth/passkeys/{passkey_id}": Target(lambda p: {"passkey_id": p.passkey.pk}),
    "DELETE /api/v1/cart/items/{line_id}": Target(lambda p: {"line_id": p.cart_line.pk}),
    "GET /api/v1/orders/{number}": Target(lambda p: {"number": p.pending_order.number}),
    "POST /api/v1/orders/{number}/cancel": Target(
        lambda p: {"number": p.pending_order.number}, body=lambda p: {"reason": "not mine"}
    ),
    "GET /api/v1/orders/{number}/returns": Target(lambda p: {"number": p.collected_order.number}),
    "POST /api/v1/orders/{number}/returns": Target(lambda p: {"number": p.collected_order.number}, body=_return_lines),
    "POST /api/v1/orders/{number}/payments": Target(
        lambda p: {"number": p.pending_order.number}, body=lambda p: {"provider": "sandbox"}
    ),
    "GET /api/v1/payments/{payment_id}": Target(lambda p: {"payment_id": str(p.payment.pk)}),
    "POST /api/v1/provenance/pieces/{piece_id}/transfer": Target(lambda p: {"piece_id": p.owned_piece}),
    "GET /api/v1/provenance/pieces/{piece_id}/ownership-proof": Target(lambda p: {"piece_id": p.owned_piece}),
    "GET /api/v1/warranty/cards/{number}": Target(lambda p: {"number": p.warranty_card}),
    "POST /api/v1/warranty/bookings/{reference}/cancel": Target(lambda p: {"reference": p.service_booking}),
    "GET /api/v1/warranty/buyback/quotes/{reference}": Target(lambda p: {"reference": p.buyback_quote}),
    "POST /api/v1/warranty/buyback/quotes/{reference}/accept": Target(
        lambda p: {"reference": p.buyback_quote}, body=lambda p: {"payout_method": "alipay"}
    ),
    "GET /api/v1/warranty/claims/{reference}": Target(lambda p: {"reference": p.guarantee_claim}),
    "POST /api/v1/warranty/pieces/{piece_id}/claims": Target(
        lambda p: {"piece_id": p.owned_piece}, body=lambda p: {"ground": "weight"}
    ),
    "POST /api/v1/warranty/pieces/{piece_id}/reports": Target(
        lambda p: {"piece_id": p.owned_piece}, body=lambda p: _report_form(), multipart=True
    ),
    "GET /api/v1/quality/inspections/{inspection_id}": Target(
        lambda p: {"inspection_id": p.inspection}, refused=FORBIDDEN, control="operator"
    ),
    "POST /api/v1/quality/inspections/{inspection_id}/readings": Target(
        lambda p: {"inspection_id": p.inspection},
        body=lambda p: {"role": "instrument", "instrument_id": "XRF-1", "values": {}},
        refused=FORBIDDEN,
        control="operator",
    ),
    "GET /api/v1/quality/suppliers/{code}": Target(
        lambda p: {"code": p.supplier}, refused=FORBIDDEN, control="operator"
    ),
    "GET /api/v1/quality/stations/{code}/queue": Target(
        lambda p: {"code": p.store.code}, refused=FORBIDDEN, control="operator"
    ),
    "POST /api/v1/orders/{number}/refunds": Target(
        lambda p: {"number": p.collected_order.number},
        body=lambda p: {"amount": "10.00", "reason": "goodwill"},
        refused=FORBIDDEN,
        control="operator",
    ),
}

PUBLIC_OPERATIONS: dict[str, str] = {
    "GET /api/v1/catalog/styles/{slug}": "the live catalog is public (a draft style answers 404)",
    "GET /api/v1/catalog/styles/{slug}/price-changes": "a live style's public price history",
    "GET /api/v1/catalog/pieces/{piece_id}": "a piece for sale is public",
    "GET /api/v1/catalog/pieces/{serial}": "a piece's public price breakdown",
    "GET /api/v1/provenance/pieces/{piece_id}": "a piece's history in the public log (no personal data)",
    "GET /api/v1/provenance/pieces/{piece_id}/bundle": "the same public history as an offline bundle",
    "POST /api/v1/provenance/pieces/{piece_id}/claim": "anyone may claim a piece, but only with the one-time code "
    "its owner handed over; without it nothing changes (422/409)",
    "POST /api/v1/account/consents/{kind}": "names a kind of consent, not an object: it always changes the "
    "caller's own consent (tests/privacy/test_rights.py)",
    "POST /api/v1/payments/{provider}/webhook": "names a payment provider, not an owned object; the provider "
    "signs the body (tests/payments/test_callbacks.py)",
    "POST /api/v1/payments/sandbox/{payment_id}/complete": "the sandbox provider's own side, a test hook that is "
    "off in production (AURIC_SANDBOX_PAYMENTS=0; see test_the_sandbox_hook_is_closed_when_the_sandbox_is_off); "
    "the payment id is a random UUID",
}


def templated_operations() -> set[str]:
    schema = api.get_openapi_schema()
    return {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        if "{" in path
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }


# --- the schema is covered ------------------------------------------------------------------------


def test_every_object_endpoint_in_the_schema_is_covered_or_declared_public():
    # Given the operations of the OpenAPI document whose path names an object
    operations = templated_operations()

    # When they are compared with what this test knows how to fill
    unknown = sorted(operations - OBJECT_OPERATIONS.keys() - PUBLIC_OPERATIONS.keys())
    stale = sorted((OBJECT_OPERATIONS.keys() | PUBLIC_OPERATIONS.keys()) - operations)

    # Then every one is covered, and the lists name nothing that is gone
    assert not unknown, (
        "Object endpoints without an IDOR check: add each to OBJECT_OPERATIONS (with a fixture object "
        "of another user that fills it) or to PUBLIC_OPERATIONS (with the reason):\n  " + "\n  ".join(unknown)
    )
    assert not stale, "Listed in tests/security/test_idor.py but no longer in the schema:\n  " + "\n  ".join(stale)
    assert not OBJECT_OPERATIONS.keys() & PUBLIC_OPERATIONS.keys()


# --- the API ----------------------------------------------------------------------------------------


@pytest.fixture
def world(settings) -> dict[str, Any]:
    """Shopper A at store 1 and shopper B at store 2, each with their own objects; the staff and the
    franchisee of store 1."""
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = "idor-" * 8
    warehouse = Location.objects.create(code="wh-idor", name="仓", kind=Location.Kind.WAREHOUSE, sells_online=True)
    a = make_party("a", warehouse=warehouse)
    b = make_party("b", warehouse=warehouse)
    return {
        "a": a,
        "b": b,
        "staff_1": make_store_user(a, role=STORE_STAFF),
        "staff_2": make_store_user(b, role=STORE_STAFF),
        "franchisee_1": make_store_user(a, role=FRANCHISEE),
    }


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any] | None
    extra: dict[str, str] = field(default_factory=dict)
    multipart: bool = False


def build_call(operation: str, target: Target, victim: Party) -> Call:
    method, template = operation.split(" ", 1)
    path = template.format(**target.params(victim))
    body = target.body(victim) if target.body else None
    return Call(method=method, path=path, body=body, multipart=target.multipart)


def send(client: Client, call: Call, headers: dict[str, str] | None = None) -> Any:
    kwargs: dict[str, Any] = dict(headers or {})
    if call.body is not None and call.multipart:
        kwargs.update(data=call.body)
    elif call.body is not None:
        kwargs.update(data=json.dumps(call.body), content_type="application/json")
    return getattr(client, call.method.lower())(call.path, **kwargs)


def _api_token(user: User) -> str:
    from auric.accounts.services import issue_api_token

    return issue_api_token(user=user, name="idor").secret


def _caller(world: dict[str, Any], who: str, how: str) -> tuple[Client, dict[str, str]]:
    user = world["a"].user if who == "shopper A" else world[who]
    if how == "bearer":
        token = world["a"].token if who == "shopper A" else _api_token(user)
        return Client(), {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    client = Client()
    client.force_login(user)
    return client, {}


@pytest.mark.parametrize("how", ["bearer", "session"])
@pytest.mark.parametrize("who", ["shopper A", "staff_1", "franchisee_1"])
def test_nobody_reads_or_changes_another_shoppers_or_stores_objects(world, who, how):
    # Given a caller who is not B: shopper A, or the staff / the franchisee of store 1 (B's orders are
    # picked up at store 2)
    client, headers = _caller(world, who, how)
    victim: Party = world["b"]
    before = snapshot()

    # When they call every object operation with B's objects
    failures = []
    for operation, target in sorted(OBJECT_OPERATIONS.items()):
        call = build_call(operation, target, victim)
        response = send(client, call, headers)
        status = response.status_code
        is_problem = response.get("Content-Type", "").startswith(PROBLEM_CONTENT_TYPE)
        if 200 <= status < 300 or status not in target.refused or not is_problem:
            failures.append(f"{operation} as {who} ({how}) on B's {call.path}: {status} {response.content[:200]!r}")

    # Then every call is refused — 404 for the objects a shopper owns, as for a missing one — and
    # nothing changed
    assert not failures, "\n".join(failures)
    assert changed_tables(before, snapshot()) == []


def test_the_owner_is_not_refused_so_the_fills_name_real_objects(world):
    # Given B's own objects, and an operator for the staff operations
    victim: Party = world["b"]
    _, operator_token = make_operator()

    # When B (or the operator) calls each operation on them, a fresh world state each time being
    # unnecessary: no operation's success stops another's from finding its object
    results = {}
    for operation, target in sorted(OBJECT_OPERATIONS.items(), key=lambda item: item[0].startswith("DELETE")):
        token = operator_token if target.control == "operator" else victim.token
        response = send(Client(), build_call(operation, target, victim), {"HTTP_AUTHORIZATION": f"Bearer {token}"})
        results[operation] = response.status_code

    # Then none is refused as missing or forbidden
    refused = {op: status for op, status in results.items() if status in {401, 403, 404}}
    assert not refused, refused


def test_the_sandbox_hook_is_closed_when_the_sandbox_is_off(world, settings):
    # Given production settings: the sandbox provider is off
    settings.AURIC_SANDBOX_PAYMENTS = False
    victim: Party = world["b"]
    before = snapshot()

    # When anybody completes B's payment through the test hook
    response = Client().post(
        f"/api/v1/payments/sandbox/{victim.payment.pk}/complete",
        data={"status": "succeeded"},
        content_type="application/json",
    )

    # Then it is refused and the payment is untouched
    assert response.status_code == 404
    assert changed_tables(before, snapshot()) == []


# --- the back office ------------------------------------------------------------------------------


def store_scoped_admins() -> dict[type, Any]:
    return {model: ma for model, ma in admin.site._registry.items() if isinstance(ma, StoreScopedAdminMixin)}


def object_url_names(model_admin: Any) -> list[str]:
    """The named admin URLs of a model admin that take an object id (Django's change, history and
    delete views, and the custom actions of e.g. the order admin). Django's unnamed bare-id URL
    only redirects to the change view."""
    return [
        pattern.name
        for pattern in model_admin.get_urls()
        if isinstance(pattern, URLPattern) and pattern.name and re.search(r"<\w+:object_id>", str(pattern.pattern))
    ]


# Back-office URLs whose refusal is itself recorded: the URL name and the audit table it writes. The
# pickup contact is asked of the vault, which logs every refused reveal (docs/privacy.md).
LOGGED_REFUSALS: dict[str, str] = {
    "orders_order_pickup_contact": "privacy.RevealLog",
}


def test_every_logged_refusal_names_a_back_office_url():
    names = {name for model_admin in store_scoped_admins().values() for name in object_url_names(model_admin)}

    assert LOGGED_REFUSALS.keys() <= names, sorted(LOGGED_REFUSALS.keys() - names)


def test_every_store_scoped_admin_has_a_store_object_to_try():
    # Given the admins that scope rows to the user's stores
    scoped = set(store_scoped_admins())

    # When compared with the store objects the fixtures make
    missing = scoped - set(STORE_OBJECT_MODELS)

    # Then each has one (a new store-scoped admin needs a fixture object in idor_support.make_party)
    assert not missing, sorted(m.__name__ for m in missing)


@pytest.mark.parametrize("who", ["staff_1", "franchisee_1"])
def test_store_users_cannot_open_or_act_on_another_stores_rows_in_the_back_office(world, who):
    # Given the staff or the franchisee of store 1, and store 2's rows of every store-scoped admin
    client = Client()
    client.force_login(world[who])
    theirs: dict[type, Any] = world["b"].store_objects
    before = snapshot()

    # When they open and post to every admin URL naming one of those rows
    failures = []
    for model, model_admin in store_scoped_admins().items():
        for name in object_url_names(model_admin):
            url = reverse(f"admin:{name}", kwargs={"object_id": theirs[model].pk})
            for method in ("get", "post"):
                status = getattr(client, method)(url).status_code
                if status not in (403, 404):
                    failures.append(f"{method.upper()} {url} ({model.__name__}, store 2) as {who}: {status}")

    # Then every one is refused, and nothing changed but the record of the refusals that are logged
    assert not failures, "\n".join(failures)
    after = snapshot()
    assert set(changed_tables(before, after)) == set(LOGGED_REFUSALS.values())
    old_ids = {row["id"] for row in before["privacy.RevealLog"]}
    logged = [row for row in after["privacy.RevealLog"] if row["id"] not in old_ids]
    assert {(row["actor_label"], row["purpose"], row["outcome"]) for row in logged} == {
        (world[who].username, "hand_over_pickup", "refused")
    }


@pytest.mark.parametrize("who", ["staff_1", "franchisee_1"])
def test_store_users_open_their_own_stores_rows(world, who):
    # Given the staff or the franchisee of store 1 and store 1's rows
    client = Client()
    client.force_login(world[who])
    mine: dict[type, Any] = world["a"].store_objects

    user = world[who]

    # When they open the change page of each row their role may view
    statuses = {
        model.__name__: client.get(
            reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[mine[model].pk])
        ).status_code
        for model in store_scoped_admins()
        if user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")
    }

    # Then they see them (so the refusals above are about the store, not the page)
    assert len(statuses) >= 7
    assert statuses == dict.fromkeys(statuses, 200)


# --- the storefront pages ---------------------------------------------------------------------------

# Storefront (and hosted payment) pages that name an object: how to fill each with B's object, and
# the method that acts on it (GET reads it; POST changes it).
STOREFRONT_OBJECT_PAGES: dict[str, tuple[Callable[[Party], dict[str, Any]], str]] = {
    "storefront:passkey_remove": (lambda p: {"passkey_id": p.passkey.pk}, "post"),
    "storefront:cart_remove": (lambda p: {"line_id": p.cart_line.pk}, "post"),
    "storefront:order": (lambda p: {"number": p.pending_order.number}, "get"),
    "storefront:order_pay": (lambda p: {"number": p.pending_order.number}, "post"),
    "storefront:order_cancel": (lambda p: {"number": p.pending_order.number}, "post"),
    "storefront:order_return": (lambda p: {"number": p.collected_order.number}, "post"),
    "storefront:warranty_booking_cancel": (lambda p: {"reference": p.service_booking}, "post"),
}
STOREFRONT_PUBLIC_PAGES: dict[str, str] = {
    "storefront:category": "the live catalog is public",
    "storefront:product": "the live catalog is public",
    "payments:sandbox_page": "the sandbox provider's hosted page, reached by the payment's random UUID like a "
    "real channel's page; off in production (AURIC_SANDBOX_PAYMENTS=0)",
    "payments:sandbox_result": "the same hosted page's result",
    "storefront:consent_change": "names a kind of consent, not an object: it changes the signed-in shopper's own",
    "storefront:quality_report_month": "names a month of the public quality report (published months only)",
}


def storefront_object_pages() -> set[str]:
    from auric.payments import urls as payment_urls
    from auric.storefront import urls as storefront_urls

    return {
        f"{module.app_name}:{pattern.name}"
        for module in (storefront_urls, payment_urls)
        for pattern in module.urlpatterns
        if isinstance(pattern, URLPattern) and pattern.pattern.converters
    }


def test_every_storefront_page_naming_an_object_is_covered_or_declared_public():
    # Given the storefront pages whose URL names an object
    pages = storefront_object_pages()

    # When compared with the pages this test fills
    unknown = sorted(pages - STOREFRONT_OBJECT_PAGES.keys() - STOREFRONT_PUBLIC_PAGES.keys())

    # Then every one is covered
    assert not unknown, "Storefront pages without an IDOR check (add to STOREFRONT_OBJECT_PAGES):\n  " + "\n  ".join(
        unknown
    )


def test_a_shopper_cannot_open_or_act_on_another_shoppers_objects_in_the_storefront(world):
    # Given shopper A signed in to the storefront, and B's objects
    client = world["a"].session()
    victim: Party = world["b"]
    before = snapshot()

    # When A opens or posts to every storefront page naming one of B's objects
    statuses = {}
    for name, (fill, method) in sorted(STOREFRONT_OBJECT_PAGES.items()):
        url = reverse(name, kwargs=fill(victim))
        statuses[name] = getattr(client, method)(url).status_code

    # Then each answers 404, and nothing changed
    assert statuses == dict.fromkeys(statuses, 404)
    assert changed_tables(before, snapshot()) == []
