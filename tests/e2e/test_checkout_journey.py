"""The whole purchase, in Chromium: a new shopper buys a certified diamond ring for pickup, pays in the
sandbox, an operator readies and hands it over in the back office, and the shopper asks to return it.

Screenshots go to test-artifacts/ (checkout-01-register.png …).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from auric.catalog import services as catalog
from auric.catalog.models import Category, Piece, Style
from auric.inventory import services as inventory
from auric.inventory.models import Location
from auric.orders.models import Order
from auric.orders.states import State
from auric.pricing import services as pricing
from tests.storefront.shop import deliver_events, ensure_crafts

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OPERATOR_PASSWORD = "operator-pass-2941"
SHOPPER_PASSWORD = "ring-shopper-7731"


@dataclass
class RingShop:
    store: Location
    ring: Style
    piece: Piece


@pytest.fixture
def ring_shop(transactional_db) -> RingShop:
    """A live, fixed-price 18K diamond ring with a GIA certificate, in stock at a Shanghai store."""
    today = timezone.localdate()
    ensure_crafts()
    rings = Category.objects.create(name="戒指", name_en="Rings", slug="rings", position=1)
    store = Location.objects.create(
        code="sh-nanjingxi",
        name="南京西路店",
        name_en="Nanjing Road West",
        kind=Location.Kind.STORE,
        city="上海",
        city_en="Shanghai",
        address="南京西路 1266 号",
    )
    pricing.set_metal_price(metal="gold", fineness=750, on_date=today, price_per_gram=Decimal("600.00"))
    ring = catalog.create_style(
        code="DM-RING-101",
        slug="solitaire-ring",
        title="18K金钻石戒指",
        title_en="18K gold diamond solitaire ring",
        category=rings,
        pricing_mode=Style.PricingMode.FIXED,
        fixed_price=Decimal("12800.00"),
        list_price=Decimal("15800.00"),
        craft_codes=["xiangqian"],
    )
    variant = catalog.add_variant(style=ring, sku="DM-RING-101-750-12", metal="gold", fineness=750, size="12")
    piece = catalog.register_piece(
        variant=variant,
        serial_number="DR-1001",
        tag_code="T-DR-1001",
        weight_g=Decimal("3.200"),
        cost=Decimal("7000"),
        stones=[
            catalog.StoneInput(
                kind="diamond", carat=Decimal("0.50"), colour="G", clarity="VS1", cut="EX", polish="EX", symmetry="VG"
            )
        ],
        certificate=catalog.CertificateInput(
            lab="GIA",
            report_number="2141239876",
            issued_on=today - timedelta(days=30),
            grades={"colour": "G", "clarity": "VS1", "carat": "0.50"},
        ),
    )
    inventory.receive_piece(piece=piece, location=store)
    catalog.publish_style(style=ring)
    deliver_events()  # pricing prices the piece, inventory and search refresh the listing
    return RingShop(store=store, ring=Style.objects.get(pk=ring.pk), piece=Piece.objects.get(pk=piece.pk))


@pytest.fixture
def operator(transactional_db):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from auric.accounts import roles

    roles.ensure_roles()
    user = get_user_model().objects.create_user(username="operator", password=OPERATOR_PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    return user


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


def test_new_shopper_buys_a_certified_ring_for_pickup_and_asks_to_return_it(
    page, browser, live_server, ring_shop, operator, artifacts
):
    from auric.storefront.shop_views import RETURN_STATE_LABELS, STATE_LABELS

    def shot(n: int, step: str, on=None) -> None:
        (on or page).screenshot(path=str(artifacts / f"checkout-{n:02d}-{step}.png"), full_page=True)

    # Given a new shopper who registers on the storefront
    page.goto(live_server.url + "/account/register/")
    page.fill("#id_username", "lin.mei")
    page.fill("#id_password1", SHOPPER_PASSWORD)
    page.fill("#id_password2", SHOPPER_PASSWORD)
    shot(1, "register")
    page.locator("form[action$='/account/register/'] button[type=submit]").click()
    page.wait_for_url(live_server.url + "/")

    # When they search for a diamond ring and open it
    page.fill("#site-search", "钻石 戒指")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=*")
    cards = page.locator("[data-testid=results] .card")
    expect(cards).to_have_count(1)
    shot(2, "search")
    cards.first.locator("a").first.click()
    page.wait_for_url("**/p/solitaire-ring/**")
    assert "GIA" in page.locator("main").inner_text()
    shot(3, "product")

    # And add the piece to the cart and go to checkout
    page.get_by_test_id("add-to-cart").click()
    page.wait_for_url("**/cart/")
    assert "DR-1001" in page.locator("main").inner_text()
    shot(4, "cart")
    page.locator("a[href$='/checkout/']").first.click()
    page.wait_for_url("**/checkout/")

    # And choose to pick it up at the store, then place the order
    page.locator(f"input[name=store][value='{ring_shop.store.pk}']").check()
    # (the review is worked out by the server: choosing pickup updates it, dropping the insured shipping fee)
    with page.expect_navigation():
        page.check("input[name=delivery][value=pickup]")
    expect(page.locator("input[name=delivery][value=pickup]")).to_be_checked()
    expect(page.get_by_test_id("final-total")).to_contain_text("12,800.00")
    shot(5, "checkout")
    page.get_by_test_id("place-order").click()

    # Then the sandbox payment page asks for the total; the shopper presses Pay
    page.wait_for_url("**/sandbox/**")
    number = page.get_by_test_id("order-number").inner_text().strip()
    expect(page.get_by_test_id("amount")).to_contain_text("12800.00")
    shot(6, "sandbox")
    page.locator("button[name=action][value=pay]").click()
    expect(page.get_by_test_id("payment-state")).to_have_attribute("data-state", "succeeded")
    shot(7, "paid")

    # And the link on the result page leads back to the order, shown paid
    order_url = f"{live_server.url}/account/orders/{number}/"
    page.get_by_test_id("back-to-order").click()
    page.wait_for_url(order_url)
    expect(page.get_by_test_id("order-state")).to_have_text(zh(STATE_LABELS[State.PAID]))
    expect(page.get_by_test_id("pickup-code")).to_have_count(0)
    shot(8, "order-paid")

    # When an operator logs into the back office and marks the order ready for pickup
    order = Order.objects.get(number=number)
    office = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    admin = office.new_page()
    admin.set_default_timeout(15_000)
    detail = f"{live_server.url}/admin/orders/order/{order.pk}/change/"
    admin.goto(f"{live_server.url}/admin/login/?next=/admin/orders/order/{order.pk}/change/")
    admin.fill("#id_username", "operator")
    admin.fill("#id_password", OPERATOR_PASSWORD)
    admin.locator("#login-form [type=submit]").click()
    admin.wait_for_url(detail)
    shot(9, "admin-order", admin)
    admin.locator("form[action$='/ready/'] button[type=submit]").click()
    admin.wait_for_url(detail)
    expect(admin.locator("form[action$='/picked-up/']")).to_be_visible()
    shot(10, "admin-ready", admin)

    # Then the shopper, reloading the order page, sees it ready with the pickup code
    page.reload()
    expect(page.get_by_test_id("order-state")).to_have_text(zh(STATE_LABELS[State.READY_FOR_PICKUP]))
    code = page.get_by_test_id("pickup-code").inner_text().strip()
    assert len(code) == 6 and code.isdigit()
    shot(11, "order-pickup-code")

    # When the operator hands the ring over against that code
    admin.fill("input[name=pickup_code]", code)
    admin.locator("form[action$='/picked-up/'] button[type=submit]").click()
    admin.wait_for_url(detail)
    expect(admin.locator("form[action$='/picked-up/']")).to_have_count(0)
    shot(12, "admin-picked-up", admin)
    office.close()

    # Then the shopper sees it picked up and can ask to return the ring within the window
    page.reload()
    expect(page.get_by_test_id("order-state")).to_have_text(zh(STATE_LABELS[State.PICKED_UP]))
    form = page.get_by_test_id("return-form")
    form.locator("input[name=line]").first.check()
    form.locator("select[name=reason]").select_option("wrong_size")
    shot(13, "return-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(order_url)

    # And the order page shows the return requested, with nothing left to return
    expect(page.get_by_test_id("return")).to_have_attribute("data-state", "requested")
    expect(page.get_by_test_id("return-state")).to_have_text(zh(RETURN_STATE_LABELS["requested"]))
    expect(page.get_by_test_id("return-form")).to_have_count(0)
    shot(14, "return-requested")
    returned = order.returns.get()
    assert [(line.order_line.serial_number, line.reason) for line in returned.lines.all()] == [
        ("DR-1001", "wrong_size")
    ]
