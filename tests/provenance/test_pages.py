"""The public provenance pages: a piece's history by its tag, its QR code, the certificate check, and
the back office's QR label sheet."""

from __future__ import annotations

import json
import os
import re
from datetime import timedelta

import pytest
import segno
from django.test import Client

from auric.accounts.models import User
from auric.provenance import events, keys, labels, services
from auric.provenance.models import PieceRecord
from auric.provenance.statements import owner_commitment
from tests.factories import CertificateFactory, PieceFactory, StoneFactory, StyleFactory, UserFactory, logged_in

pytestmark = pytest.mark.django_db


def _made(piece) -> None:
    services.record(
        "piece.made",
        party_id=services.PLATFORM,
        piece=services.piece_public_id(piece),
        data=events.declared_attributes(piece),
        source=f"test:made:{piece.pk}",
    )


def _sold(piece, store: str = "store.sh-01") -> None:
    services.ensure_party(store, kind="store", name="上海南京西路店")
    services.record(
        "piece.sold",
        party_id=store,
        piece=services.piece_public_id(piece),
        data={"location": store},
        source=f"test:sold:{piece.pk}",
    )


@pytest.fixture
def logged_piece():
    """A piece made, certified by GIA, sold to a shopper who is now its owner; all in the log."""
    piece = PieceFactory(tag_code="QR00A1B2C3D4E5F6")
    StoneFactory(piece=piece)
    certificate = CertificateFactory(piece=piece, report_number="2211223344", grades={"colour": "F", "clarity": "VS1"})
    _made(piece)
    services.log_certificate(certificate)
    _sold(piece)
    buyer = UserFactory(username="mei.buyer", email="mei@example.cn")
    public_id = services.piece_public_id(piece)
    commitment = owner_commitment(b"the buyer's secret", public_id, os.urandom(16))  # as a paid order logs it
    services.record(
        "ownership.transferred",
        party_id=services.PLATFORM,
        piece=public_id,
        data={"from": None, "to": commitment, "reason": "sale"},
        source=f"test:owner:{piece.pk}",
    )
    services.integrate_all()
    return piece, certificate, buyer


def test_the_piece_page_shows_its_logged_history_as_a_timeline(client: Client, logged_piece) -> None:
    piece, certificate, _ = logged_piece
    response = client.get(f"/p/{piece.tag_code}", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert response.status_code == 200
    types = re.findall(r'data-type="([a-z._]+)"', page)
    assert types == ["piece.made", "certificate.issued", "piece.sold", "ownership.transferred"]
    for text in ("Made", "Certificate issued", "Sold", "Ownership transferred", "上海南京西路店", "2211223344"):
        assert text in page
    assert f"?lab=GIA&amp;number={certificate.report_number}" in page
    assert "Log entry #" in page


def test_the_piece_page_shows_no_personal_data_nor_the_serial_number(client: Client, logged_piece) -> None:
    piece, _, buyer = logged_piece
    page = client.get(f"/p/{piece.tag_code}").content.decode()
    assert buyer.username not in page
    assert buyer.email not in page
    assert piece.serial_number not in page
    assert str(piece.cost.amount if hasattr(piece.cost, "amount") else piece.cost) not in page


def test_the_piece_page_publishes_what_the_browser_verifies_with(client: Client, logged_piece) -> None:
    piece, _, _ = logged_piece
    response = client.get(f"/p/{piece.tag_code}")
    page = response.content.decode()
    config = json.loads(
        re.search(r'<script id="provenance-config" type="application/json">(.*?)</script>', page, re.S)[1]
    )
    public_id = PieceRecord.objects.get(piece=piece).public_id
    assert config["api"] == f"/api/v1/provenance/pieces/{public_id}"
    assert config["bundle"] == f"/api/v1/provenance/pieces/{public_id}/bundle"
    assert config["log_key"] == keys.log_verifier_key()
    assert config["origin"] == keys.origin()
    assert config["policy"] == "/log/policy"
    assert config["types"]["piece.sold"] and config["messages"]["verified"]
    assert f'href="/api/v1/provenance/pieces/{public_id}/bundle"' in page
    assert 'src="/static/provenance/verify.js"' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def _without_request_details(response, tag: str) -> str:
    """The page without what differs per request anyway: the path (the language form returns there)
    and the CSRF token."""
    page = response.content.decode().replace(tag, "")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)


def test_an_unknown_tag_and_a_piece_with_nothing_logged_answer_the_same_404(client: Client, logged_piece) -> None:
    unlogged = PieceFactory(tag_code="QR0000000000UNLOG")
    unknown = client.get("/p/QR0000000000NOPE")
    not_logged = client.get(f"/p/{unlogged.tag_code}")
    assert unknown.status_code == not_logged.status_code == 404
    assert _without_request_details(unknown, "QR0000000000NOPE") == _without_request_details(
        not_logged, unlogged.tag_code
    )
    assert client.get("/p/QR0000000000NOPE/qr.svg").status_code == 404
    assert client.get(f"/p/{unlogged.tag_code}/qr.svg").status_code == 404
    assert not PieceRecord.objects.filter(piece=unlogged).exists()  # looking made no record


def test_a_product_slug_without_its_slash_still_reaches_the_product_page(client: Client) -> None:
    style = StyleFactory(slug="gufa-bangle")
    response = client.get(f"/p/{style.slug}")
    assert response.status_code == 301
    assert response["Location"] == f"/p/{style.slug}/"


def _dark_modules(svg: str) -> set[tuple[int, int]]:
    """The dark modules a segno SVG path draws ("M x y", "m dx dy", "h n" in module units)."""
    d = re.search(r' d="([^"]+)"', svg)[1]
    x = y = 0.0
    dark = set()
    for command, numbers in re.findall(r"([Mmh])([-\d. ]+)", d):
        values = [float(v) for v in numbers.split()]
        if command == "M":
            x, y = values
        elif command == "m":
            x, y = x + values[0], y + values[1]
        else:
            dark.update((int(y - 0.5), int(x) + step) for step in range(int(values[0])))
            x += values[0]
    return dark


def test_the_qr_code_encodes_the_absolute_url_of_the_piece_page(client: Client, logged_piece) -> None:
    piece, _, _ = logged_piece
    response = client.get(f"/p/{piece.tag_code}/qr.svg")
    svg = response.content.decode()
    expected = segno.make(f"http://testserver/p/{piece.tag_code}", error="m", micro=False)
    border = 4
    wanted = {(r + border, c + border) for r, row in enumerate(expected.matrix) for c, v in enumerate(row) if v}
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "<svg" in svg and "<path" in svg
    assert _dark_modules(svg) == wanted
    assert f"<title>http://testserver/p/{piece.tag_code}</title>" in svg


def test_the_qr_code_uses_the_public_site_url_when_one_is_configured(client: Client, logged_piece, settings) -> None:
    piece, _, _ = logged_piece
    settings.AURIC_PUBLIC_URL = "https://shop.auric.example/"
    svg = client.get(f"/p/{piece.tag_code}/qr.svg").content.decode()
    assert f"<title>https://shop.auric.example/p/{piece.tag_code}</title>" in svg


# --- certificate check ----------------------------------------------------------------------------


def _check(client: Client, lab: str, number: str):
    return client.get("/verify/certificate", {"lab": lab, "number": number}, HTTP_ACCEPT_LANGUAGE="en")


def test_the_certificate_check_form_is_shown_without_a_query(client: Client) -> None:
    response = client.get("/verify/certificate")
    assert response.status_code == 200
    assert b'name="number"' in response.content and b'name="lab"' in response.content


def test_a_logged_certificate_matches_and_links_its_piece_and_the_lab(client: Client, logged_piece) -> None:
    piece, certificate, _ = logged_piece
    response = _check(client, "GIA", certificate.report_number)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-result="matches"' in page
    assert f'href="/p/{piece.tag_code}"' in page
    assert f"https://www.gia.edu/report-check?reportno={certificate.report_number}" in page
    assert 'data-differs="true"' not in page


def test_a_certificate_edited_after_logging_is_flagged(client: Client, logged_piece) -> None:
    _, certificate, _ = logged_piece
    certificate.grades = {"colour": "D", "clarity": "VS1"}
    certificate.issued_on = certificate.issued_on - timedelta(days=3)
    certificate.save()
    page = _check(client, "GIA", certificate.report_number).content.decode()
    assert 'data-result="edited"' in page
    flagged = re.findall(r'<tr class="differs" data-differs="true"><th scope="row">([^<]+)</th>', page)
    assert flagged == ["Issued on", "Grades"]
    assert "colour: F" in page and "colour: D" in page


def test_an_unknown_report_number_answers_404_with_a_message(client: Client, logged_piece) -> None:
    response = _check(client, "GIA", "9999999999")
    assert response.status_code == 404
    assert b'data-testid="not-found"' in response.content
    assert b"No GIA report 9999999999" in response.content


def test_a_certificate_not_logged_yet_says_so(client: Client) -> None:
    certificate = CertificateFactory(lab="NGTC", report_number="NGTC-2026-0001")
    page = _check(client, "NGTC", "NGTC-2026-0001").content.decode()
    assert 'data-result="not-logged"' in page
    assert "piece-link" not in page  # the piece has no history page yet
    assert certificate.piece.style.title_en in page


def test_the_certificate_check_is_rate_limited_like_search(client: Client, settings, one_rate_window) -> None:
    settings.AURIC_RATE_LIMITS = True
    rule = [r for r in settings.AURIC_RATE_RULES if r[1].startswith("^/verify/certificate")]
    assert rule and rule[0][0] == "GET"
    limit = int(rule[0][3].split("/")[0])
    statuses = [
        client.get("/verify/certificate", {"lab": "GIA", "number": f"N{n}"}).status_code for n in range(limit + 1)
    ]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]


# --- label sheet ----------------------------------------------------------------------------------


def test_the_label_sheet_is_for_staff_only(client: Client) -> None:
    pieces = PieceFactory.create_batch(2)
    url = "/provenance/labels?ids=" + ",".join(str(p.pk) for p in pieces)
    shopper = logged_in(UserFactory(username="shopper"))
    staff_without_permission = logged_in(UserFactory(username="clerk", is_staff=True))
    assert client.get(url).status_code == 302
    assert client.get(url)["Location"].startswith("/admin/login/")
    assert shopper.get(url).status_code == 302
    assert staff_without_permission.get(url).status_code == 403


def test_the_label_sheet_prints_a_qr_code_serial_and_style_per_piece(client: Client) -> None:
    pieces = PieceFactory.create_batch(25)
    admin = logged_in(User.objects.create_superuser("boss", "boss@example.cn", "correct horse battery"))
    response = admin.get("/provenance/labels", {"ids": ",".join(str(p.pk) for p in pieces)})
    page = response.content.decode()
    assert response.status_code == 200
    assert page.count('data-testid="sheet"') == 2  # 24 labels per A4 sheet
    assert page.count('data-testid="label"') == 25
    for piece in pieces:
        assert piece.serial_number in page and piece.style.code in page
    assert page.count('<svg viewBox="0 0') == 25
    assert "<script>" not in page and " style=" not in page


def test_the_piece_admin_action_opens_the_label_sheet(client: Client) -> None:
    pieces = PieceFactory.create_batch(2)
    admin = logged_in(User.objects.create_superuser("boss", "boss@example.cn", "correct horse battery"))
    response = admin.post(
        "/admin/catalog/piece/",
        {"action": "print_labels", "_selected_action": [str(p.pk) for p in pieces]},
    )
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/provenance/labels?ids=")
    assert sorted(location.split("=", 1)[1].split(",")) == sorted(str(p.pk) for p in pieces)


def test_labels_module_builds_the_page_url_from_the_request(rf, settings) -> None:
    settings.AURIC_PUBLIC_URL = ""
    settings.ALLOWED_HOSTS = ["backoffice.auric.example"]
    request = rf.get("/provenance/labels", HTTP_HOST="backoffice.auric.example")
    assert labels.piece_url(request, "QR1") == "http://backoffice.auric.example/p/QR1"
    settings.AURIC_PUBLIC_URL = "https://shop.auric.example"
    assert labels.piece_url(request, "QR1") == "https://shop.auric.example/p/QR1"


def test_the_piece_page_and_the_browsers_words_are_in_chinese_by_default(client: Client, logged_piece) -> None:
    piece, _, _ = logged_piece
    page = client.get(f"/p/{piece.tag_code}").content.decode()
    config = json.loads(re.search(r'type="application/json">(.*?)</script>', page, re.S)[1])
    assert "这件单品的履历" in page and "出具证书" in page
    assert config["messages"]["verified"].startswith("已在您的浏览器中核验")
    assert config["types"]["piece.sold"] == "售出"


def test_the_piece_page_reads_in_a_fixed_number_of_queries(
    client: Client, logged_piece, django_assert_max_num_queries
) -> None:
    piece, _, _ = logged_piece
    with django_assert_max_num_queries(5):
        assert client.get(f"/p/{piece.tag_code}").status_code == 200
