"""Two inspectors on tablets check a received ring at the inbound gate: one scans its tag and enters
the instrument reading, the other — who cannot see it — enters their own; the ring passes, can be
sold, and its public page shows the station's verified quality check.

Screenshots go to test-artifacts/ (inspection-*.png).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from auric.accounts import roles
from auric.accounts.models import User
from auric.inventory import services as inventory
from auric.inventory.models import Location, PieceStatus, PieceStock
from auric.provenance import services as provenance
from auric.quality.models import Inspection
from tests.factories import PieceFactory, StoneFactory, VariantFactory
from tests.storefront.shop import deliver_events

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "inspector-pass-7731"
TABLET = {"width": 820, "height": 1180}


@pytest.fixture
def received_ring(transactional_db, settings):
    settings.AURIC_QC_INBOUND_GATE = True
    station = Location.objects.create(code="wh-sz", name="深圳质检仓", kind=Location.Kind.WAREHOUSE, sells_online=True)
    piece = PieceFactory(
        variant=VariantFactory(metal="gold", fineness=750), weight_g=Decimal("3.512"), tag_code="T-RING-QC-1"
    )
    StoneFactory(piece=piece, carat=Decimal("0.31"), colour="F", clarity="VS1")
    inventory.receive_piece(piece=piece, location=station, reference="PO-118")
    deliver_events()  # the arrival opens its inbound inspection at the station
    roles.ensure_roles()
    for username in ("qc.wang", "qc.li"):
        user = User.objects.create_user(username=username, password=PASSWORD, is_staff=True)
        user.groups.add(Group.objects.get(name=roles.QC_INSPECTOR))
        station.staff.add(user)
    return piece


def _tablet(browser, url: str, username: str):
    context = browser.new_context(viewport=TABLET, locale="en-GB", has_touch=True)
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{url}/admin/login/?next=/admin/quality/inspection/queue/")
    page.fill("#login-form #id_username", username)
    page.fill("#login-form #id_password", PASSWORD)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/admin/quality/inspection/queue/")
    return context, page


def _scan(page, tag: str) -> None:
    # A keyboard-wedge scanner types the tag and presses Enter.
    page.locator("#scan-form input[name=tag]").fill(tag)
    page.locator("#scan-form input[name=tag]").press("Enter")
    page.wait_for_url("**/change/")


def test_two_inspectors_pass_a_ring_at_the_inbound_gate(browser, live_server, settings, received_ring, artifacts):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    url = live_server.url.replace("127.0.0.1", "localhost")
    ring = received_ring
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.INSPECTING

    # Given the first inspector at the station's queue, who scans the ring's tag
    first, page = _tablet(browser, url, "qc.wang")
    expect(page.locator("table[data-station=wh-sz]")).to_contain_text(ring.serial_number)
    _scan(page, ring.tag_code)

    # When they enter the instrument reading
    form = page.locator("#reading-form")
    form.locator("select[name=role]").select_option("instrument")
    form.locator("input[name=instrument_id]").fill("XRF-07")
    form.locator("input[name=weight]").fill("3.515")
    form.locator("input[name=fineness]").fill("751.2")
    form.locator("input[name=carat]").fill("0.31")
    form.locator("select[name=colour]").select_option("F")
    form.locator("select[name=clarity]").select_option("VS1")
    form.locator("input[name=stone_count]").fill("1")
    page.screenshot(path=str(artifacts / "inspection-instrument.png"), full_page=True)
    form.locator("button[type=submit]").click()
    expect(page.locator("#readings")).to_contain_text("XRF-07")
    first.close()

    # Then the second inspector cannot see it, and enters their own reading of the core values
    second, page = _tablet(browser, url, "qc.li")
    _scan(page, ring.tag_code)
    expect(page.locator("#hidden-readings")).to_be_visible()
    assert "XRF-07" not in page.content()
    form = page.locator("#reading-form")
    expect(form.locator("select[name=role] option")).to_have_count(1)
    form.locator("input[name=fineness]").fill("75.02")
    form.locator("select[name=fineness_unit]").select_option("%")
    form.locator("input[name=carat]").fill("0.31")
    form.locator("select[name=clarity]").select_option("VS1")
    form.locator("button[type=submit]").click()
    expect(page.locator("#verdict")).to_contain_text("Passed")
    page.screenshot(path=str(artifacts / "inspection-passed.png"), full_page=True)
    second.close()

    # And the ring can be sold; its public page shows the verified quality check by the station
    assert Inspection.objects.get(piece=ring).state == Inspection.State.PASSED
    assert PieceStock.objects.get(piece=ring).status == PieceStatus.AVAILABLE
    deliver_events()
    provenance.integrate_all()
    shop = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    public = shop.new_page()
    public.set_default_timeout(15_000)
    public.goto(f"{url}/p/{ring.tag_code}")
    public.wait_for_function("() => document.getElementById('verify-banner').dataset.state !== 'pending'")
    assert public.locator("[data-testid=verify-banner]").get_attribute("data-state") == "verified"
    timeline = public.locator("#provenance-timeline").inner_text()
    for text in ("Quality check passed", "QC 深圳质检仓", "XRF-07", "751.2"):
        assert text in timeline, text
    assert "qc.wang" not in timeline and "qc.li" not in timeline
    public.screenshot(path=str(artifacts / "inspection-piece-page.png"), full_page=True)
    shop.close()
