"""The piece page verifies its history in Chromium with WebCrypto: it passes on a good piece, and fails
visibly when an entry is edited in the database (bypassing the append-only triggers) or altered on
the way to the browser. The script's primitives are also checked against the public vectors (C2SP
and Go signed notes, the RFC 6962 reference tree).

Screenshots go to test-artifacts/ (provenance-*.png).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import connection
from django.test import Client

from auric.accounts.models import User
from auric.provenance import events, keys, selectors, services
from auric.provenance.append_only import create_sql, drop_sql
from auric.provenance.models import Checkpoint, Cosignature, LogEntry, PartyKey, PieceRecord
from auric.provenance.statements import public_key_bytes
from tests.factories import CertificateFactory, PieceFactory, StoneFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VERIFY_JS = Path(__file__).resolve().parents[2] / "auric" / "provenance" / "static" / "provenance" / "verify.js"
VECTORS = Path(__file__).resolve().parents[1] / "provenance" / "vectors" / "merkle"

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
}, true);
"""


def _logged_piece():
    """A piece made, certified, received and sold, with every statement integrated into the log."""
    piece = PieceFactory(tag_code="QR00E2E0000001")
    StoneFactory(piece=piece)
    public_id = services.piece_public_id(piece)
    services.record(
        "piece.made",
        party_id=services.PLATFORM,
        piece=public_id,
        data=events.declared_attributes(piece),
        source=f"e2e:made:{piece.pk}",
    )
    certificate = CertificateFactory(piece=piece, report_number="2299887766", grades={"colour": "F", "clarity": "VS1"})
    services.log_certificate(certificate)
    services.ensure_party("store.sh-01", kind="store", name="上海南京西路店")
    for type_ in ("inventory.received", "piece.sold"):
        services.record(
            type_,
            party_id="store.sh-01",
            piece=public_id,
            data={"location": "store.sh-01"},
            source=f"e2e:{type_}:{piece.pk}",
        )
    services.integrate_all()
    return piece, public_id


@pytest.fixture
def site(browser, live_server, settings, artifacts):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    url = live_server.url.replace("127.0.0.1", "localhost")  # a secure context: WebCrypto is there
    context = browser.new_context(viewport={"width": 1000, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.add_init_script(CSP_WATCH)
    yield url, page
    context.close()


def _open(page, url: str, tag: str) -> str:
    page.goto(f"{url}/p/{tag}")
    page.wait_for_function("() => document.getElementById('verify-banner').dataset.state !== 'pending'")
    return page.locator("[data-testid=verify-banner]").get_attribute("data-state")


def _entry_states(page) -> dict[int, str]:
    items = page.locator("#provenance-timeline > li")
    return {
        int(items.nth(i).get_attribute("data-index")): items.nth(i).get_attribute("data-verified")
        for i in range(items.count())
    }


def test_the_browser_verifies_a_good_piece(site, artifacts):
    url, page = site
    piece, _ = _logged_piece()
    size = LogEntry.objects.count()

    state = _open(page, url, piece.tag_code)
    page.screenshot(path=str(artifacts / "provenance-verified.png"), full_page=True)

    banner = page.locator("[data-testid=verify-banner]").inner_text()
    assert state == "verified", banner
    assert f"Verified in your browser: 4 entries, checkpoint size {size} signed by {keys.origin()}" in banner
    assert list(_entry_states(page).values()) == ["true"] * 4
    assert page.locator("#provenance-timeline").get_attribute("data-rendered") == "verified"
    assert page.locator("#provenance-timeline .verify-mark").all_inner_texts() == ["✓"] * 4
    timeline = page.locator("#provenance-timeline").inner_text()
    for text in ("Made", "Certificate issued", "Received", "Sold", "上海南京西路店", "2299887766"):
        assert text in timeline
    assert set(page.locator("#key-entries li").evaluate_all("els => els.map(e => e.dataset.verified)")) == {"true"}
    assert page.evaluate("window.__cspViolations") == []


def test_entries_signed_before_a_key_was_revoked_stay_verified_after_a_rotation(site):
    url, page = site
    piece, public_id = _logged_piece()
    old_key = PartyKey.objects.get(party__party_id="store.sh-01")
    services.add_party_key(party_id="store.sh-01")
    services.revoke_party_key(key_id_=old_key.key_id, reason="rotated")
    services.record(
        "piece.returned",
        party_id="store.sh-01",
        piece=public_id,
        data={"location": "store.sh-01"},
        source=f"e2e:returned:{piece.pk}",
    )
    services.integrate_all()

    assert _open(page, url, piece.tag_code) == "verified"
    assert list(_entry_states(page).values()) == ["true"] * 5
    keys_text = page.locator("#key-entries").inner_text()
    assert "Key revoked" in keys_text and "Key added" in keys_text


def _witness(name: str) -> tuple[Ed25519PrivateKey, str]:
    """A witness key and its C2SP verifier key (type 0x04, tlog-cosignature/v1)."""
    private = Ed25519PrivateKey.generate()
    key = b"\x04" + public_key_bytes(private)
    key_id = hashlib.sha256(name.encode() + b"\n" + key).digest()[:4]
    return private, f"{name}+{key_id.hex()}+{base64.b64encode(key).decode()}"


def _cosign(private: Ed25519PrivateKey, verifier_key: str, checkpoint: Checkpoint) -> None:
    name = verifier_key.split("+")[0]
    body = checkpoint.note[: checkpoint.note.index("\n\n") + 1]
    timestamp = int(time.time())
    signature = private.sign(f"cosignature/v1\ntime {timestamp}\n{body}".encode())
    key_id = bytes.fromhex(verifier_key.split("+")[1])
    raw = key_id + timestamp.to_bytes(8, "big") + signature
    Cosignature.objects.create(checkpoint=checkpoint, witness=name, line=f"— {name} {base64.b64encode(raw).decode()}\n")


def test_witness_cosignatures_count_toward_the_published_quorum(site, settings):
    url, page = site
    piece, _ = _logged_piece()
    lab_witness, lab_key = _witness("witness.lab.example/w1")
    _, auditor_key = _witness("witness.auditor.example/w1")
    settings.AURIC_PROVENANCE_WITNESSES = (
        f"lab {lab_key} https://w1.lab.example\nauditor {auditor_key} https://w1.auditor.example"
    )
    settings.AURIC_PROVENANCE_WITNESS_QUORUM = 1
    _cosign(lab_witness, lab_key, selectors.latest_checkpoint())

    assert _open(page, url, piece.tag_code) == "verified"
    assert "Cosigned by 1 of 2 witnesses (quorum 1)" in page.locator("[data-testid=verify-banner]").inner_text()

    settings.AURIC_PROVENANCE_WITNESS_QUORUM = 2
    assert _open(page, url, piece.tag_code) == "failed"
    assert "1 of the required 2 witnesses" in page.locator("[data-testid=verify-banner]").inner_text()


def test_the_banner_speaks_the_pages_language(browser, live_server, settings):
    settings.ALLOWED_HOSTS = ["localhost", "127.0.0.1"]
    piece, _ = _logged_piece()
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        assert _open(page, live_server.url.replace("127.0.0.1", "localhost"), piece.tag_code) == "verified"
        assert "已在您的浏览器中核验：4 条记录" in page.locator("[data-testid=verify-banner]").inner_text()
        assert "售出" in page.locator("#provenance-timeline").inner_text()
    finally:
        context.close()


def test_an_entry_edited_in_the_database_fails_visibly(site, artifacts):
    url, page = site
    piece, public_id = _logged_piece()
    entry = LogEntry.objects.get(piece=public_id, type="certificate.issued")
    tampered = bytes(entry.entry).replace(b'"clarity":"VS1"', b'"clarity":"IF"')
    assert tampered != bytes(entry.entry)
    vendor = connection.vendor
    with connection.cursor() as cursor:  # what someone with the database owner's rights could do
        for sql in drop_sql(vendor, "provenance_logentry"):
            cursor.execute(sql)
        cursor.execute('UPDATE provenance_logentry SET entry = %s WHERE "index" = %s', [tampered, entry.index])
        for sql in create_sql(vendor, "provenance_logentry"):
            cursor.execute(sql)

    state = _open(page, url, piece.tag_code)
    page.screenshot(path=str(artifacts / "provenance-tampered.png"), full_page=True)

    assert state == "failed"
    assert (
        "Verification failed: 1 of 4 entries did not verify" in page.locator("[data-testid=verify-banner]").inner_text()
    )
    states = _entry_states(page)
    assert states.pop(entry.index) == "false"
    assert set(states.values()) == {"true"}
    bad = page.locator(f"#provenance-timeline > li[data-index='{entry.index}']")
    assert "✗" in bad.inner_text()
    assert "not in the signed tree" in bad.locator(".verify-reason").inner_text()
    assert "clarity: IF" in bad.inner_text()  # shown as the bytes say, flagged


def _flip_in_entry(history: dict, index: int) -> dict:
    for item in history["entries"]:
        if item["index"] == index:
            raw = bytearray(base64.b64decode(item["entry"]))
            position = raw.index(b'"time":"') + 10  # a digit of the year: still valid JSON
            raw[position] ^= 0x01
            item["entry"] = base64.b64encode(bytes(raw)).decode()
    return history


def test_an_entry_altered_on_the_way_fails_visibly(site):
    url, page = site
    piece, public_id = _logged_piece()
    sold = LogEntry.objects.get(piece=public_id, type="piece.sold").index

    def alter(route):
        response = route.fetch()
        route.fulfill(response=response, json=_flip_in_entry(response.json(), sold))

    page.route(f"**/api/v1/provenance/pieces/{public_id}", alter)
    state = _open(page, url, piece.tag_code)

    assert state == "failed"
    states = _entry_states(page)
    assert states.pop(sold) == "false"
    assert set(states.values()) == {"true"}
    assert "not in the signed tree" in page.locator(f"li[data-index='{sold}'] .verify-reason").inner_text()


def test_a_checkpoint_not_signed_by_the_log_fails_visibly(site):
    url, page = site
    piece, public_id = _logged_piece()

    def alter(route):
        response = route.fetch()
        history = response.json()
        body, signatures = history["checkpoint"].split("\n\n", 1)
        origin, size = body.split("\n")[:2]
        forged_root = base64.b64encode(bytes(32)).decode()
        history["checkpoint"] = f"{origin}\n{size}\n{forged_root}\n\n{signatures}"
        route.fulfill(response=response, json=history)

    page.route(f"**/api/v1/provenance/pieces/{public_id}", alter)
    state = _open(page, url, piece.tag_code)

    assert state == "failed"
    assert "not validly signed by the log" in page.locator("[data-testid=verify-banner]").inner_text()


def test_a_statement_signed_by_an_unregistered_key_fails(site):
    url, page = site
    piece, public_id = _logged_piece()
    sold = LogEntry.objects.get(piece=public_id, type="piece.sold").index

    def alter(route):  # the key registrations are withheld: nothing vouches for the store's key
        response = route.fetch()
        history = response.json()
        history["keys"] = [k for k in history["keys"] if k["statement"]["data"].get("party") != "store.sh-01"]
        route.fulfill(response=response, json=history)

    page.route(f"**/api/v1/provenance/pieces/{public_id}", alter)
    assert _open(page, url, piece.tag_code) == "failed"
    assert "is not registered before this entry" in page.locator(f"li[data-index='{sold}'] .verify-reason").inner_text()


def test_a_browser_without_ed25519_is_offered_the_offline_bundle(site):
    url, page = site
    piece, public_id = _logged_piece()
    page.add_init_script(
        """
        const importKey = crypto.subtle.importKey.bind(crypto.subtle);
        crypto.subtle.importKey = (format, data, algorithm, ...rest) => {
          if ((algorithm && (algorithm.name || algorithm)) === 'Ed25519') {
            return Promise.reject(new DOMException('Algorithm: Unrecognized name', 'NotSupportedError'));
          }
          return importKey(format, data, algorithm, ...rest);
        };
        """
    )
    state = _open(page, url, piece.tag_code)
    assert state == "unsupported"
    assert "cannot check Ed25519 signatures" in page.locator("[data-testid=verify-banner]").inner_text()
    link = page.locator("[data-testid=banner-bundle-link]")
    assert link.get_attribute("href") == f"/api/v1/provenance/pieces/{public_id}/bundle"


def _vector_page(page, url: str):
    page.route(
        f"{url}/__vectors",
        lambda route: route.fulfill(body="<!doctype html><title>v</title>", content_type="text/html"),
    )
    page.goto(f"{url}/__vectors")
    page.add_script_tag(path=str(VERIFY_JS))
    page.wait_for_function("() => !!window.AuricVerify")


@pytest.mark.skipif(not VECTORS.exists(), reason="the public vectors are missing")
def test_the_scripts_primitives_pass_the_public_vectors(site):
    url, page = site
    _vector_page(page, url)
    notes = json.loads((VECTORS / "signed-note-vectors.json").read_text())
    tree = json.loads((VECTORS / "rfc6962-reference-tree.json").read_text())

    results = page.evaluate(
        """async ([notes, tree]) => {
          const V = window.AuricVerify, out = {valid: [], invalid: [], inclusion: [], flipped: []};
          for (const v of notes.valid_notes) {
            for (const text of v.verifier_keys) {
              const key = await V.parseVerifierKey(text);
              if (!v.want_verified_signers.includes(key.name)) continue;
              try { out.valid.push((await V.openNote(v.note, key)).text === v.want_text); }
              catch (e) { out.valid.push(e.message); }
            }
          }
          const key = await V.parseVerifierKey(notes.invalid_notes.verifier_keys[0]);
          for (const c of notes.invalid_notes.cases) {
            try { await V.openNote(c.note, key); out.invalid.push('accepted: ' + c.desc); }
            catch (e) { out.invalid.push(true); }
          }
          const bytes = h => new Uint8Array((h.match(/../g) || []).map(x => parseInt(x, 16)));
          for (const c of tree.inclusion_proofs.cases) {
            const leaf = await V.leafHash(bytes(tree.leaf_inputs[c.leaf_index]));
            const root = bytes(tree.root_hashes_by_size[String(c.tree_size)]);
            try { await V.verifyInclusion(leaf, c.leaf_index, c.tree_size, c.proof.map(bytes), root); out.inclusion.push(true); }
            catch (e) { out.inclusion.push(e.message); }
            for (let i = 0; i < c.proof.length; i++) {
              const proof = c.proof.map(bytes);
              proof[i][31] ^= 0x80;
              try { await V.verifyInclusion(leaf, c.leaf_index, c.tree_size, proof, root); out.flipped.push('accepted'); }
              catch (e) { out.flipped.push(true); }
            }
            try { await V.verifyInclusion(await V.leafHash(bytes('ff')), c.leaf_index, c.tree_size, c.proof.map(bytes), root); out.flipped.push('accepted another leaf'); }
            catch (e) { out.flipped.push(true); }
          }
          return out;
        }""",
        [notes, tree],
    )
    assert results["valid"] and set(results["valid"]) == {True}
    assert len(results["invalid"]) == len(notes["invalid_notes"]["cases"]) and set(results["invalid"]) == {True}
    assert len(results["inclusion"]) == len(tree["inclusion_proofs"]["cases"])
    assert set(results["inclusion"]) == {True}
    assert set(results["flipped"]) == {True}


def test_the_scripts_canonical_json_matches_the_servers(site):
    """The script accepts an entry only if its bytes are the RFC 8785 form of what they parse to."""
    url, page = site
    _, public_id = _logged_piece()
    _vector_page(page, url)
    entries = [base64.b64encode(bytes(e.entry)).decode() for e in LogEntry.objects.order_by("index")]
    same = page.evaluate(
        """(entries) => entries.map(text => {
          const bytes = AuricVerify.b64decode(text);
          try { AuricVerify.parseEntry(bytes); return true; } catch (e) { return e.message; }
        })""",
        entries,
    )
    assert same == [True] * len(entries)
    assert PieceRecord.objects.filter(public_id=public_id).exists()


def test_a_shopper_checks_a_certificate_and_opens_the_pieces_verified_history(site, artifacts):
    url, page = site
    piece, _ = _logged_piece()

    page.goto(f"{url}/verify/certificate")
    page.select_option("select[name=lab]", "GIA")
    page.fill("input[name=number]", "2299887766")
    page.click("form.certificate-form button[type=submit]")
    page.wait_for_url("**/verify/certificate?*")
    page.screenshot(path=str(artifacts / "provenance-certificate-check.png"), full_page=True)
    assert page.locator("[data-testid=result]").get_attribute("data-result") == "matches"

    page.click("[data-testid=piece-link]")
    page.wait_for_url(f"**/p/{piece.tag_code}")
    page.wait_for_function("() => document.getElementById('verify-banner').dataset.state !== 'pending'")
    assert page.locator("[data-testid=verify-banner]").get_attribute("data-state") == "verified"
    assert page.evaluate("window.__cspViolations") == []


def test_staff_print_a_label_sheet_under_the_strict_policy(site, artifacts):
    url, page = site
    pieces = PieceFactory.create_batch(5)
    staff = User.objects.create_superuser("boss", "boss@example.cn", "correct horse battery")
    client = Client()
    client.force_login(staff)
    page.context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}])

    page.goto(f"{url}/provenance/labels?ids=" + ",".join(str(p.pk) for p in pieces))
    page.screenshot(path=str(artifacts / "provenance-labels.png"), full_page=True)

    assert page.locator("[data-testid=label] svg.qr").count() == 5
    width_mm = page.locator("[data-testid=label]").first.evaluate("e => e.getBoundingClientRect().width * 25.4 / 96")
    assert round(width_mm) == 70
    assert page.evaluate("window.__cspViolations") == []
