"""A shopper books a free cleaning of the ring they bought; the store weighs it in, cleans it and
weighs it out in the back office; the shopper sees the weights and the service on the piece's
public page (/p/<tag>), verified in the browser.

Screenshots go to test-artifacts/ (warranty-*.png).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from auric.accounts import roles
from auric.accounts.models import User
from auric.core.money import Money
from auric.inventory.models import Location
from auric.orders.services import mark_paid, place_order
from auric.provenance import services as provenance
from auric.warranty.models import ServiceRequest, TermsEntitlement, WarrantyCard, WarrantyTerms
from auric.warranty.terms import seed_default_terms
from tests.checkout.conftest import ADDRESS, stocked_piece
from tests.factories import CategoryFactory
from tests.storefront.shop import deliver_events

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOPPER_PASSWORD = "warranty-shopper-5521"
STAFF_PASSWORD = "warranty-staff-8812"


@pytest.fixture
def bought_ring(transactional_db):
    """A shopper who bought a gold ring (paid, its card issued) at a Shanghai store, and the store's staff."""
    from auric.checkout import services as checkout
    from auric.checkout.shipping import DeliveryChoice

    seed_default_terms(WarrantyTerms, TermsEntitlement)
    store = Location.objects.create(
        code="sh-huaihai", name="淮海路店", name_en="Huaihai Road", kind=Location.Kind.STORE, sells_online=True
    )
    piece = stocked_piece(store, fixed_price="2600.00", weight="4.250")
    piece.tag_code = "T-RING-2001"
    piece.save(update_fields=["tag_code"])
    piece.style.category = CategoryFactory(slug="rings", name="戒指", name_en="Rings")
    piece.style.save(update_fields=["category"])
    shopper = User.objects.create_user(username="wang.fang", password=SHOPPER_PASSWORD)
    cart = checkout.get_cart(user=shopper, create=True)
    checkout.add_piece(cart=cart, piece=piece)
    order = place_order(cart=cart, user=shopper, delivery=DeliveryChoice.ship(dict(ADDRESS)))
    mark_paid(order=order, payment_reference="pay-e2e-w", amount=Money(order.total, "CNY"))
    deliver_events()
    roles.ensure_roles()
    staff = User.objects.create_user(username="counter.li", password=STAFF_PASSWORD, is_staff=True)
    staff.groups.add(Group.objects.get(name=roles.STORE_STAFF))
    store.staff.add(staff)
    return WarrantyCard.objects.get(piece=piece)


def _login(page, url: str, username: str, password: str, form: str) -> None:
    page.fill(f"{form} #id_username", username)
    page.fill(f"{form} #id_password", password)
    page.locator(f"{form} [type=submit]").click()


def test_a_shopper_books_a_cleaning_and_sees_it_on_the_piece(browser, live_server, settings, bought_ring, artifacts):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    url = live_server.url.replace("127.0.0.1", "localhost")  # a secure context: WebCrypto verifies the page
    card = bought_ring

    # Given the shopper on "My warranties"
    shop = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    page = shop.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/account/login/?next=/account/warranties/")
    _login(page, url, "wang.fang", SHOPPER_PASSWORD, "main form:has(#id_password)")
    page.wait_for_url("**/account/warranties/")
    expect(page.get_by_test_id("warranty-card")).to_have_attribute("data-number", card.number)

    # When they book a cleaning at the store
    page.select_option("#booking-kind", "cleaning")
    page.get_by_test_id("booking-form").locator("button[type=submit]").click()
    page.wait_for_url("**/account/warranties/")
    booking = page.get_by_test_id("service-booking")
    expect(booking).to_have_attribute("data-state", "booked")
    assert "Free under warranty" in booking.inner_text()
    page.screenshot(path=str(artifacts / "warranty-booked.png"), full_page=True)
    service = ServiceRequest.objects.get()

    # And the store's staff weigh it in, clean it and weigh it out
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    admin = office.new_page()
    admin.set_default_timeout(15_000)
    detail = f"/admin/warranty/servicerequest/{service.pk}/change/"
    admin.goto(f"{url}/admin/login/?next={detail}")
    _login(admin, url, "counter.li", STAFF_PASSWORD, "#login-form")
    admin.wait_for_url(f"**{detail}")
    admin.fill("#intake-form input[name=weight_in_g]", "4.250")
    admin.locator("#intake-form button[type=submit]").click()
    admin.wait_for_url(f"**{detail}")
    admin.locator("#start-form button[type=submit]").click()
    admin.wait_for_url(f"**{detail}")
    admin.fill("#return-form input[name=weight_out_g]", "4.249")
    admin.locator("#return-form button[type=submit]").click()
    admin.wait_for_url(f"**{detail}")
    expect(admin.locator("#service-detail")).to_contain_text("No step is open.")
    admin.screenshot(path=str(artifacts / "warranty-admin-returned.png"), full_page=True)
    office.close()

    # Then the shopper sees the same gold came back
    page.reload()
    expect(page.get_by_test_id("service-booking")).to_have_attribute("data-state", "returned")
    weights = page.get_by_test_id("booking-weights").inner_text()
    assert "4.250 g" in weights and "4.249 g" in weights
    left = page.get_by_test_id("warranty-card").inner_text()
    assert "Cleaning" in left
    page.screenshot(path=str(artifacts / "warranty-returned.png"), full_page=True)

    # And on the piece's public page, the service is in its verified history
    provenance.integrate_all()
    page.goto(f"{url}/p/{card.piece.tag_code}")
    page.wait_for_function("() => document.getElementById('verify-banner').dataset.state !== 'pending'")
    assert page.locator("[data-testid=verify-banner]").get_attribute("data-state") == "verified"
    timeline = page.locator("#provenance-timeline").inner_text()
    for label in ("Warranty issued", "Service", "Warranty service", "4.249", "淮海路店"):
        assert label in timeline, label
    assert "wang.fang" not in timeline and "counter.li" not in timeline
    page.screenshot(path=str(artifacts / "warranty-piece-page.png"), full_page=True)
    shop.close()
    assert Decimal(str(ServiceRequest.objects.get().weight_out_g)) == Decimal("4.249")
