"""A new shopper's first visit, in Chromium: home → search → filter → product → English.

Screenshots go to test-artifacts/ (e2e-01-home.png …) so a person can look at what shoppers see.
"""

from __future__ import annotations

import json
import struct

import pytest

from tests.storefront.shop import add_image, build_shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Records every Content-Security-Policy violation on the page, including inside shadow roots.
CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || ''));
}, true);
"""


def csp_violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations || []")


def test_new_shopper_finds_a_bangle_and_reads_its_price_in_english(page, live_server, transactional_db, artifacts):
    # Given a shop with gold bangles priced by weight
    build_shop()
    page.add_init_script(CSP_WATCH)

    # When a new shopper opens the home page
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "zh-Hans"
    assert "足金" in page.locator(".price-strip").inner_text()
    page.screenshot(path=str(artifacts / "e2e-01-home.png"), full_page=True)

    # And searches for 古法 手镯
    page.fill("#site-search", "古法 手镯")
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search?q=*")
    cards = page.locator("[data-testid=results] .card")
    assert cards.count() == 2
    page.screenshot(path=str(artifacts / "e2e-02-search.png"), full_page=True)

    # And narrows to pure gold (足金)
    page.locator(".facet-link", has_text="足金").first.click()
    page.wait_for_url("**fineness=gold-990*")
    assert cards.count() == 1
    page.screenshot(path=str(artifacts / "e2e-03-filtered.png"), full_page=True)

    # And opens the bangle
    cards.first.locator("a").first.click()
    page.wait_for_url("**/p/gufa-bangle/**")
    breakdown = page.locator("[data-testid=breakdown]")
    text = breakdown.inner_text()
    # Then the price is shown as weight × price per gram + labour
    assert "30.125 g" in text  # the first available piece by serial number, GF001-A
    assert "780.00" in text
    page.screenshot(path=str(artifacts / "e2e-04-product.png"), full_page=True)

    # When the shopper picks another piece, the breakdown follows its exact weight
    page.locator("label", has_text="GF001-C").click()
    page.wait_for_url("**piece=GF001-C*")
    assert "31.010 g" in page.locator("[data-testid=breakdown]").inner_text()

    # And switches to English
    page.select_option("#lang-select", "en")
    page.wait_for_load_state("load")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert "How this price is made" in page.locator("[data-testid=breakdown]").inner_text()
    assert "Ancient-method pure gold bangle" in page.locator("h1").inner_text()
    page.screenshot(path=str(artifacts / "e2e-05-product-english.png"), full_page=True)

    # And no page broke the Content Security Policy
    assert csp_violations(page) == []


def test_product_page_fits_a_360px_phone(browser, live_server, transactional_db, artifacts):
    build_shop()
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.goto(live_server.url + "/p/diamond-ring/")
    # No sideways scrolling of the page itself (wide tables scroll inside their own box)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert "GB" in page.locator(".stones").inner_text()
    page.screenshot(path=str(artifacts / "e2e-06-product-mobile.png"), full_page=True)
    page.goto(live_server.url + "/p/gufa-bangle/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.screenshot(path=str(artifacts / "e2e-07-bangle-mobile.png"), full_page=True)
    context.close()


def minimal_glb() -> bytes:
    """A valid glTF 2.0 binary holding one triangle."""
    positions = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
    gltf = {
        "asset": {"version": "2.0"},
        "scene": 0,
        "scenes": [{"nodes": [0]}],
        "nodes": [{"mesh": 0}],
        "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
        "buffers": [{"byteLength": len(positions)}],
        "bufferViews": [{"buffer": 0, "byteOffset": 0, "byteLength": len(positions)}],
        "accessors": [
            {"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3", "min": [0, 0, 0], "max": [1, 1, 0]}
        ],
    }
    body = json.dumps(gltf).encode()
    body += b" " * (-len(body) % 4)
    binary = positions + b"\0" * (-len(positions) % 4)
    chunks = struct.pack("<I4s", len(body), b"JSON") + body + struct.pack("<I4s", len(binary), b"BIN\0") + binary
    return struct.pack("<4sII", b"glTF", 2, 12 + len(chunks)) + chunks


def add_model(style) -> None:
    from django.core.files.base import ContentFile

    from auric.catalog.models import MediaAsset

    try:
        from auric.catalog.media import add_model_3d
    except ImportError:
        asset = MediaAsset(style=style, kind=MediaAsset.Kind.MODEL_3D)
        asset.file.save("ring.glb", ContentFile(minimal_glb()), save=True)
        return
    add_model_3d(style=style, upload=ContentFile(minimal_glb(), name="ring.glb"))


def test_3d_viewer_and_spin_work_under_the_strict_policy(page, live_server, transactional_db, artifacts):
    # Given a ring with a 3D model and a bangle with spin frames
    shop = build_shop()
    add_model(shop.ring)
    for position in range(4):
        add_image(shop.gold_bangle, position=position, kind="spin")
    page.add_init_script(CSP_WATCH)

    # When the shopper opens the ring, the <model-viewer> component loads the model
    page.goto(live_server.url + "/p/diamond-ring/")
    page.wait_for_function("customElements.get('model-viewer') !== undefined")
    page.wait_for_function("document.querySelector('model-viewer').loaded === true", timeout=60_000)
    assert page.locator("model-viewer").get_attribute("ar-modes") == "webxr scene-viewer quick-look"
    page.screenshot(path=str(artifacts / "e2e-08-model-viewer.png"), full_page=True)
    assert csp_violations(page) == []

    # And on the bangle, dragging the spin viewer turns through the frames
    page.goto(live_server.url + "/p/gufa-bangle/")
    viewer = page.locator(".spin-viewer")
    first = viewer.locator("img").get_attribute("src")
    viewer.scroll_into_view_if_needed()
    box = viewer.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2 - 40, box["y"] + box["height"] / 2, steps=5)
    page.mouse.up()
    assert viewer.locator("img").get_attribute("src") != first
    viewer.focus()
    before = viewer.get_attribute("aria-valuenow")
    page.keyboard.press("ArrowRight")
    assert viewer.get_attribute("aria-valuenow") == str(int(before) % 4 + 1)
    page.screenshot(path=str(artifacts / "e2e-09-spin.png"))
    assert csp_violations(page) == []
