"""The back-office roles: what each group holds, and what each may see and do in the admin and API.

operator, store staff (own stores), customer service (read, refunds up to a limit), franchisee (the
stores of their franchises), partner (nothing yet), auditor (view everything, change nothing).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import Client

from auric.accounts import roles
from auric.accounts.services import issue_api_token
from auric.checkout import services as checkout
from auric.checkout.shipping import DeliveryChoice
from auric.core.models import OutboxEvent
from auric.inventory.admin import StoreScopedAdminMixin
from auric.inventory.models import Franchise, Location, Transfer
from auric.inventory.services import transfer_pieces
from auric.orders.models import Order
from auric.orders.services import place_order
from auric.orders.states import State
from auric.payments.models import Refund
from auric.privacy import access
from auric.privacy.models import Purpose, RevealLog
from tests.checkout.conftest import ADDRESS, stocked_piece
from tests.factories import LocationFactory, PieceStockFactory, StyleFactory, UserFactory, logged_in
from tests.orders.returns_support import paid_order

pytestmark = pytest.mark.django_db

ALL_ROLES = {
    roles.OPERATOR,
    roles.STORE_STAFF,
    roles.CUSTOMER_SERVICE,
    roles.FRANCHISEE,
    roles.PARTNER,
    roles.AUDITOR,
}


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def shopper(db):
    return UserFactory(username="shopper")


@pytest.fixture
def store(db):
    return LocationFactory(code="sh-store", kind=Location.Kind.STORE, sells_online=True)


@pytest.fixture
def ship() -> DeliveryChoice:
    return DeliveryChoice.ship(dict(ADDRESS))


@pytest.fixture
def cart_of():
    def make(user, *pieces):
        cart = checkout.get_cart(user=user, create=True)
        for piece in pieces:
            checkout.add_piece(cart=cart, piece=piece)
        return cart

    return make


def member_of(role: str, username: str | None = None, **fields):
    roles.ensure_roles()
    user = UserFactory(username=username or role.replace(" ", "-"), is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=role))
    return type(user).objects.get(pk=user.pk)


def codenames(role: str) -> set[str]:
    group = Group.objects.get(name=role)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


# --- the groups ------------------------------------------------------------------------------------


def test_ensure_roles_creates_every_role_and_is_idempotent():
    # Given no groups; when ensure_roles runs twice
    first = roles.ensure_roles()
    held = {name: codenames(name) for name in ALL_ROLES}
    second = roles.ensure_roles()

    # Then every role exists, with the same permissions both times
    assert set(first) >= ALL_ROLES
    assert first == second
    assert {name: codenames(name) for name in ALL_ROLES} == held


def test_a_permission_added_by_hand_is_taken_away_again():
    # Given a store-staff group that somebody gave a change permission
    roles.ensure_roles()
    group = Group.objects.get(name=roles.STORE_STAFF)
    group.permissions.add(Permission.objects.get(codename="change_style"))

    # When the roles are ensured
    roles.ensure_roles()

    # Then the group holds exactly its role's permissions again
    assert "catalog.change_style" not in codenames(roles.STORE_STAFF)


def test_the_auditor_may_view_every_model_and_change_none():
    # Given the roles
    roles.ensure_roles()

    # When the auditor's permissions are read
    held = codenames(roles.AUDITOR)

    # Then they are all the view permissions, and only those
    every_view = {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(codename__startswith="view_").select_related("content_type")
    }
    assert held == every_view
    assert "orders.view_order" in held and "payments.view_refund" in held
    assert not {name for name in held if not name.split(".")[1].startswith("view_")}


def test_the_partner_has_no_back_office_permission_until_provenance_lands():
    roles.ensure_roles()

    assert codenames(roles.PARTNER) == set()


def test_customer_service_read_orders_and_refund_but_edit_no_catalog_price_or_stock():
    # Given the roles
    roles.ensure_roles()

    # When customer service's permissions are read
    held = codenames(roles.CUSTOMER_SERVICE)

    # Then orders, payments and refunds are readable and refunds can be made; no catalog, price-book,
    # stock or order edits
    assert {"orders.view_order", "payments.view_payment", "payments.view_refund", "payments.add_refund"} <= held
    writes = {name for name in held if not name.split(".")[1].startswith("view_")}
    assert not {name for name in writes if name.split(".")[0] in {"catalog", "pricing", "inventory", "orders"}}


def test_store_scoped_roles_view_only_store_scoped_admins_or_the_catalog():
    # Given the models whose admin scopes rows to the user's stores
    roles.ensure_roles()
    scoped = {
        f"{model._meta.app_label}.view_{model._meta.model_name}"
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, StoreScopedAdminMixin)
    }
    catalog_lookups = {"catalog.view_style", "catalog.view_variant", "catalog.view_piece"}

    # When the store-scoped roles' view permissions are compared with them
    for role in roles.STORE_SCOPED_ROLES:
        views = {name for name in codenames(role) if name.split(".")[1].startswith("view_")}

        # Then a store-scoped role can read no model another store's rows could leak through
        assert views - scoped - catalog_lookups == set(), role


def test_the_vault_lets_no_auditor_reveal_anything_and_customer_service_only_its_purposes():
    # Given an auditor and a customer-service user
    auditor = access.resolve_actor(member_of(roles.AUDITOR))
    service = access.resolve_actor(member_of(roles.CUSTOMER_SERVICE))

    # When every purpose is asked for
    auditor_may = {purpose for purpose in Purpose.values if access.allowed_role(purpose, auditor)}
    service_may = {purpose for purpose in Purpose.values if access.allowed_role(purpose, service)}

    # Then the auditor may reveal nothing and customer service only for shipping and tickets
    assert auditor_may == set()
    assert service_may == {Purpose.SHIP_PARCEL, Purpose.HANDLE_TICKET}


# --- auditor: read-only back office ----------------------------------------------------------------


def test_the_auditor_sees_pages_without_save_buttons():
    # Given an auditor and a style
    style = StyleFactory()
    client = logged_in(member_of(roles.AUDITOR))

    # When they open the style's page and the orders list
    page = client.get(f"/admin/catalog/style/{style.pk}/change/")
    orders = client.get("/admin/orders/order/")

    # Then they read them, with no way to save
    assert page.status_code == 200 and orders.status_code == 200
    content = page.content.decode()
    assert 'name="_save"' not in content and 'name="_continue"' not in content


def test_the_auditor_cannot_save_a_change():
    # Given an auditor and a style
    style = StyleFactory(title="足金手镯")
    client = logged_in(member_of(roles.AUDITOR))

    # When they post a change to it
    response = client.post(f"/admin/catalog/style/{style.pk}/change/", {"title": "changed"})

    # Then it is refused and the style is unchanged
    assert response.status_code == 403
    style.refresh_from_db()
    assert style.title == "足金手镯"


def test_the_auditor_cannot_run_an_admin_action_that_needs_only_view_permission():
    # Given an undelivered outbox event (its retry action needs only the view permission)
    event = OutboxEvent.objects.create(name="test.event", aggregate="x", payload={})
    client = logged_in(member_of(roles.AUDITOR))

    # When the auditor runs the retry action
    response = client.post(
        "/admin/core/outboxevent/", {"action": "retry_delivery", "_selected_action": [str(event.pk)]}
    )

    # Then it is refused and the event is untouched
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.attempts == 0 and event.dispatched_at is None


def test_the_auditor_cannot_act_on_an_order_or_reveal_its_address(shopper, store, cart_of, ship):
    # Given a shipped-to-be order with an address in the vault
    order = place_order(cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")), user=shopper, delivery=ship)
    client = logged_in(member_of(roles.AUDITOR))

    # When the auditor tries to cancel it and to reveal its address
    cancel = client.post(f"/admin/orders/order/{order.pk}/cancel/", {"reason": "audit"})
    reveal = client.post(f"/admin/orders/order/{order.pk}/reveal-address/")

    # Then both are refused; the order is unchanged and nothing was revealed
    assert cancel.status_code == 403 and reveal.status_code == 403
    order.refresh_from_db()
    assert order.state == State.PENDING_PAYMENT
    assert not RevealLog.objects.filter(token=order.address_token).exists()


def test_the_auditor_may_sign_out():
    client = logged_in(member_of(roles.AUDITOR))

    response = client.post("/admin/logout/")

    assert response.status_code in (200, 302)
    assert "_auth_user_id" not in client.session


# --- customer service -----------------------------------------------------------------------------


@pytest.fixture
def collected(shopper, store, cart_of, settings):
    """A paid order (through the sandbox, so it can be refunded) of 5000.00."""
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = "roles-" * 8
    cart = cart_of(shopper, stocked_piece(store, fixed_price="5000.00"))
    return paid_order(cart, shopper, DeliveryChoice.pickup(store.pk))


def refund_by_api(user, order: Order, amount: str):
    token = issue_api_token(user=user, name="desk").secret
    return Client().post(
        f"/api/v1/orders/{order.number}/refunds",
        data={"amount": amount, "reason": "goodwill"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_customer_service_refund_up_to_their_limit_through_the_api(collected):
    # Given customer service and a paid order of 5000.00
    agent = member_of(roles.CUSTOMER_SERVICE)

    # When they refund the limit, then more than the limit
    within = refund_by_api(agent, collected, str(roles.CUSTOMER_SERVICE_REFUND_LIMIT))
    above = refund_by_api(agent, collected, str(roles.CUSTOMER_SERVICE_REFUND_LIMIT + Decimal("0.01")))

    # Then the first is made and the second refused as a problem, refunding nothing more
    assert within.status_code == 201, within.content
    assert above.status_code == 403
    assert above["Content-Type"].startswith("application/problem+json")
    assert list(Refund.objects.values_list("amount", flat=True)) == [roles.CUSTOMER_SERVICE_REFUND_LIMIT]


def test_customer_service_cannot_pass_their_limit_in_several_small_refunds(collected):
    # Given customer service and a paid order of 5000.00
    agent = member_of(roles.CUSTOMER_SERVICE)
    part = roles.CUSTOMER_SERVICE_REFUND_LIMIT * Decimal("0.75")

    # When they refund three quarters of the limit twice
    first = refund_by_api(agent, collected, str(part))
    second = refund_by_api(agent, collected, str(part))

    # Then the second would pass the limit for the order and is refused
    assert first.status_code == 201, first.content
    assert second.status_code == 403
    assert list(Refund.objects.values_list("amount", flat=True)) == [part]


def test_an_operator_refunds_above_the_customer_service_limit(collected):
    operator = member_of(roles.OPERATOR)

    response = refund_by_api(operator, collected, "3000.00")

    assert response.status_code == 201, response.content


def test_customer_service_cannot_refund_above_their_limit_in_the_back_office(collected):
    # Given customer service on the order's page
    client = logged_in(member_of(roles.CUSTOMER_SERVICE))

    # When they refund the whole order (5000.00) from the back office
    response = client.post(f"/admin/orders/order/{collected.pk}/refund/", {"full": "1", "reason": "goodwill"})

    # Then nothing is refunded and the page says why
    assert response.status_code == 302
    assert not Refund.objects.exists()
    messages = [str(m) for m in logged_in_messages(client, response)]
    assert any("need an operator" in m for m in messages)


def logged_in_messages(client: Client, response) -> list[str]:
    followed = client.get(response["Location"])
    return [str(m) for m in followed.context["messages"]]


def test_customer_service_may_reveal_a_shipping_address_and_it_is_logged(shopper, store, cart_of, ship):
    # Given an order to ship, with its address in the vault
    order = place_order(cart=cart_of(shopper, stocked_piece(store, fixed_price="300.00")), user=shopper, delivery=ship)
    agent = member_of(roles.CUSTOMER_SERVICE, username="agent")

    # When customer service reveal it
    page = logged_in(agent).post(f"/admin/orders/order/{order.pk}/reveal-address/")

    # Then they see it, and the vault logged who and why
    assert page.status_code == 200
    assert "张三" in page.content.decode()
    assert RevealLog.objects.filter(token=order.address_token, purpose="ship_parcel", actor_label="agent").exists()


def test_customer_service_cannot_edit_the_catalog():
    style = StyleFactory(title="足金手镯")
    client = logged_in(member_of(roles.CUSTOMER_SERVICE))

    response = client.post(f"/admin/catalog/style/{style.pk}/change/", {"title": "changed"})

    assert response.status_code == 403
    style.refresh_from_db()
    assert style.title == "足金手镯"


# --- franchisee -----------------------------------------------------------------------------------


@pytest.fixture
def franchise_world(db):
    """Franchise F owns stores F1 and F2; store O is the brand's own; a franchisee owns F."""
    franchise = Franchise.objects.create(code="fr-east", name="East franchise")
    f1 = LocationFactory(code="f1", franchise=franchise)
    f2 = LocationFactory(code="f2", franchise=franchise)
    own = LocationFactory(code="own")
    franchisee = member_of(roles.FRANCHISEE, username="franchisee")
    franchise.owners.add(franchisee)
    return {"franchise": franchise, "f1": f1, "f2": f2, "own": own, "franchisee": franchisee}


def test_a_franchisee_sees_the_stock_of_every_store_of_their_franchise_and_no_other(franchise_world):
    # Given stock in both franchise stores and in the brand's own store
    w = franchise_world
    rows = {name: PieceStockFactory(location=w[name]) for name in ("f1", "f2", "own")}
    client = logged_in(w["franchisee"])

    # When the franchisee lists piece stock and opens the own store's row
    listing = client.get("/admin/inventory/piecestock/")
    other = client.get(f"/admin/inventory/piecestock/{rows['own'].pk}/change/")

    # Then they see their franchise's two stores only, and the other row is refused
    assert {row.pk for row in listing.context["cl"].result_list} == {rows["f1"].pk, rows["f2"].pk}
    assert other.status_code == 403


def test_store_scope_is_by_role_a_franchise_owner_without_the_role_is_not_scoped_to_it(franchise_world):
    # Given a store-staff user who is listed as an owner of the franchise but is not a franchisee
    w = franchise_world
    clerk = member_of(roles.STORE_STAFF, username="clerk")
    w["own"].staff.add(clerk)
    w["franchise"].owners.add(clerk)

    # When their stores are read
    ids = roles.store_location_ids(type(clerk).objects.get(pk=clerk.pk))

    # Then they are the stores they staff, not the franchise's
    assert ids == {w["own"].pk}


def test_a_franchisee_hands_over_pickup_orders_of_their_stores_only(franchise_world, shopper, cart_of, settings):
    # Given paid pickup orders at a franchise store and at the brand's own store
    settings.AURIC_SANDBOX_PAYMENTS = True
    settings.AURIC_SANDBOX_PAYMENTS_SECRET = "roles-" * 8
    w = franchise_world
    theirs = paid_order(
        cart_of(shopper, stocked_piece(w["f2"], fixed_price="300.00")), shopper, DeliveryChoice.pickup(w["f2"].pk)
    )
    other = paid_order(
        cart_of(shopper, stocked_piece(w["own"], fixed_price="300.00")), shopper, DeliveryChoice.pickup(w["own"].pk)
    )
    client = logged_in(w["franchisee"])

    # When the franchisee marks both ready for pickup
    mine = client.post(f"/admin/orders/order/{theirs.pk}/ready/")
    refused = client.post(f"/admin/orders/order/{other.pk}/ready/")

    # Then only their store's order moves; the other is refused and unchanged
    assert mine.status_code == 302
    assert refused.status_code == 403
    theirs.refresh_from_db()
    other.refresh_from_db()
    assert theirs.state == State.READY_FOR_PICKUP
    assert other.state == State.PROCESSING


def test_a_franchisee_receives_transfers_into_their_stores_only(franchise_world):
    # Given one transfer into a franchise store and one out of it to the brand's store
    w = franchise_world
    inbound = transfer_pieces(pieces=[stocked_piece(w["own"], fixed_price="300.00")], to_location=w["f1"])
    outbound = transfer_pieces(pieces=[stocked_piece(w["f1"], fixed_price="300.00")], to_location=w["own"])
    client = logged_in(w["franchisee"])

    # When the franchisee receives both
    client.post(
        "/admin/inventory/transfer/",
        {"action": "receive", "_selected_action": [str(inbound.pk), str(outbound.pk)]},
    )

    # Then only the one coming to their store is received
    inbound.refresh_from_db()
    outbound.refresh_from_db()
    assert inbound.state == Transfer.State.RECEIVED
    assert outbound.state == Transfer.State.IN_TRANSIT


def test_store_staff_cannot_receive_transfers(franchise_world):
    # Given a clerk of a franchise store and a transfer into it
    w = franchise_world
    clerk = member_of(roles.STORE_STAFF, username="clerk")
    w["f1"].staff.add(clerk)
    inbound = transfer_pieces(pieces=[stocked_piece(w["own"], fixed_price="300.00")], to_location=w["f1"])

    # When the clerk tries the receive action
    logged_in(clerk).post("/admin/inventory/transfer/", {"action": "receive", "_selected_action": [str(inbound.pk)]})

    # Then the transfer is still in transit (receiving is a franchisee's or an operator's job)
    inbound.refresh_from_db()
    assert inbound.state == Transfer.State.IN_TRANSIT


def test_a_franchisee_sees_only_their_own_franchise(franchise_world):
    # Given another franchise
    other = Franchise.objects.create(code="fr-west", name="West franchise")
    LocationFactory(code="w1", franchise=other)
    client = logged_in(franchise_world["franchisee"])

    # When the franchisee lists franchises and opens the other one
    listing = client.get("/admin/inventory/franchise/")
    refused = client.get(f"/admin/inventory/franchise/{other.pk}/change/")

    # Then they see their own only
    assert {row.pk for row in listing.context["cl"].result_list} == {franchise_world["franchise"].pk}
    assert refused.status_code == 403


def test_a_partner_cannot_open_orders_or_stock():
    client = logged_in(member_of(roles.PARTNER))

    statuses = {url: client.get(url).status_code for url in ("/admin/orders/order/", "/admin/inventory/piecestock/")}

    assert statuses == dict.fromkeys(statuses, 403)


def test_an_operator_names_a_franchises_owners_and_stores(franchise_world):
    # Given an operator
    client = logged_in(member_of(roles.OPERATOR, username="op"))

    # When they open the franchise and a store's page
    franchise_page = client.get(f"/admin/inventory/franchise/{franchise_world['franchise'].pk}/change/")
    store_page = client.get(f"/admin/inventory/location/{franchise_world['f1'].pk}/change/")

    # Then both are editable forms with the franchise's owners and the store's franchise
    assert franchise_page.status_code == 200 and 'name="owners"' in franchise_page.content.decode()
    assert store_page.status_code == 200 and 'name="franchise"' in store_page.content.decode()


def test_locations_without_a_franchise_are_the_brands_own():
    location = LocationFactory(code="brand")

    assert Location.objects.get(pk=location.pk).franchise is None
