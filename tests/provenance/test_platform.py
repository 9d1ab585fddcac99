"""The log inside the platform: events become statements, ownership and resale, the audit that
catches edits behind the triggers, the read API, partners' submissions, bundles and witnesses."""

from __future__ import annotations

import base64
import io
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone

from auric.core.models import OutboxEvent
from auric.inventory.services import receive_piece
from auric.provenance import append_only, ownership, selectors, services, tiles, tlog, witness, witnessing
from auric.provenance.audit import audit
from auric.provenance.models import Cosignature, LogEntry, OwnerSecret, Ownership
from auric.provenance.note import CosignatureSigner, open_note
from auric.provenance.statements import parse_entry, public_key_bytes, sign_statement, statement
from auric.provenance.verify import VerificationFailed, verify_bundle
from tests.factories import CertificateFactory, LocationFactory, PieceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _received_piece(django_capture_on_commit_callbacks) -> Any:
    piece = PieceFactory()
    location = LocationFactory(code="sh_01", kind="store")
    with django_capture_on_commit_callbacks(execute=True):
        receive_piece(piece=piece, location=location, reference="PO-1")
    services.integrate_all()
    return piece


def test_a_received_piece_is_logged_by_its_store_once(django_capture_on_commit_callbacks) -> None:
    piece = _received_piece(django_capture_on_commit_callbacks)
    public_id = services.piece_public_id(piece)
    entry = LogEntry.objects.get(piece=public_id)
    signed = parse_entry(bytes(entry.entry))
    assert (signed.type, signed.party, signed.statement["data"]) == (
        "inventory.received",
        "store.sh-01",
        {"location": "store.sh-01"},
    )
    assert piece.serial_number not in bytes(entry.entry).decode()
    # The outbox may deliver again: the source (event id) keeps it to one entry.
    from auric.provenance.events import log_piece_received

    log_piece_received(OutboxEvent.objects.get(name="inventory.PieceReceived"))
    services.integrate_all()
    assert LogEntry.objects.filter(piece=public_id).count() == 1


def test_ownership_commitments_transfers_and_proofs(django_capture_on_commit_callbacks) -> None:
    piece = _received_piece(django_capture_on_commit_callbacks)
    public_id = services.piece_public_id(piece)
    alice = UserFactory(username="alice-owner", email="alice@example.com")
    bob = UserFactory(username="bob-buyer", email="bob@example.com")
    mallory = UserFactory()
    record = piece.provenance
    with django_capture_on_commit_callbacks(execute=True):
        ownership._commit(alice, record, source="test:sale", reason="sale")

    proof = ownership.ownership_proof(user=alice, public_id=public_id)
    from auric.provenance.statements import owner_commitment

    opened = owner_commitment(base64.b64decode(proof["secret"]), public_id, base64.b64decode(proof["salt"]))
    assert opened == proof["commitment"]
    with pytest.raises(services.NotFound):
        ownership.ownership_proof(user=bob, public_id=public_id)
    with pytest.raises(services.NotFound):
        ownership.start_transfer(user=mallory, public_id=public_id)

    offer = ownership.start_transfer(user=alice, public_id=public_id)
    with pytest.raises(services.ValidationFailed):
        ownership.claim_transfer(user=bob, public_id=public_id, code="wrong-code-123")
    new = ownership.claim_transfer(user=bob, public_id=public_id, code=offer.code)
    with pytest.raises(ownership.TransferRefused):
        ownership.claim_transfer(user=mallory, public_id=public_id, code=offer.code)  # used up
    services.integrate_all()

    transfers = [
        parse_entry(bytes(e.entry)).statement["data"] for e in LogEntry.objects.filter(type="ownership.transferred")
    ]
    assert transfers == [
        {"from": None, "to": opened, "reason": "sale"},
        {"from": opened, "to": new.commitment, "reason": "resale"},
    ]
    log_text = b"".join(bytes(e.entry) for e in LogEntry.objects.all()).decode()
    for user in (alice, bob):
        assert user.username not in log_text and user.email not in log_text


def test_a_deleted_account_can_never_open_its_commitments(django_capture_on_commit_callbacks) -> None:
    piece = _received_piece(django_capture_on_commit_callbacks)
    alice = UserFactory()
    ownership._commit(alice, piece.provenance, source="test:sale", reason="sale")
    ownership.forget_deleted_owner(OutboxEvent(name="accounts.AccountDeleted", payload={"user_id": alice.pk}))
    assert not OwnerSecret.objects.filter(user=alice).exists()
    assert Ownership.objects.get().owner is None and bytes(Ownership.objects.get().salt) == b""


# --- tampering behind the triggers -----------------------------------------------------------


def _bypassing_triggers(table: str, sql: str, params: list[Any]) -> None:
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for drop in append_only.drop_sql(vendor, table):
            cursor.execute(drop)
        cursor.execute(sql, params)
        if vendor == "postgresql":
            cursor.execute(append_only.POSTGRES_FUNCTION)
        for create in append_only.create_sql(vendor, table):
            cursor.execute(create)


def _logged_lab_history() -> list[LogEntry]:
    lab = Ed25519PrivateKey.generate()
    services.register_party(party_id="lab.ngtc", kind="lab", name="NGTC", public_key=public_key_bytes(lab))
    for number in range(5):
        body = statement(
            "certificate.issued", piece="pc_" + "a" * 20, party="lab.ngtc", data={"n": number}, time=timezone.now()
        )
        services.accept(sign_statement(body, lab))
    services.integrate_all()
    return list(LogEntry.objects.order_by("index"))


def test_the_audit_passes_a_clean_log_and_catches_an_edited_entry() -> None:
    entries = _logged_lab_history()
    assert audit().ok
    edited = bytes(entries[3].entry).replace(b'"n":1', b'"n":9')
    _bypassing_triggers(
        "provenance_logentry", 'UPDATE provenance_logentry SET entry = %s WHERE "index" = %s', [edited, 3]
    )
    report = audit()
    assert not report.ok
    assert any("entry 3" in problem and "edited" in problem for problem in report.problems)
    with pytest.raises(Exception, match="problem"):
        call_command("audit_log", stdout=io.StringIO(), stderr=io.StringIO())


def test_the_audit_catches_an_edited_node_and_a_rewritten_root() -> None:
    _logged_lab_history()
    _bypassing_triggers(
        "provenance_treenode", "UPDATE provenance_treenode SET hash = %s WHERE key = %s", [bytes(32), (2 << 56) | 0]
    )
    problems = audit().problems
    assert any("node 2/0 is not the hash of its children" in problem for problem in problems)
    assert any("signed root differs" in problem for problem in problems)


# --- the read API ---------------------------------------------------------------------------------


def test_a_pieces_history_verifies_offline_and_tampering_fails(client: Client) -> None:
    _logged_lab_history()
    piece = "pc_" + "a" * 20
    history = client.get(f"/api/v1/provenance/pieces/{piece}").json()
    assert [e["statement"]["data"]["n"] for e in history["entries"]] == list(range(5))
    bundle = client.get(f"/api/v1/provenance/pieces/{piece}/bundle")
    assert bundle["Content-Type"] == "application/zip"
    policy = client.get("/log/policy").content.decode()
    report = verify_bundle(bundle.content, policy, piece=piece)
    assert len(report.entries) == 5 + 2  # the lab's statements and the two key registrations

    _bypassing_triggers(
        "provenance_logentry",
        'UPDATE provenance_logentry SET entry = %s WHERE "index" = %s',
        [bytes(LogEntry.objects.get(index=4).entry).replace(b'"n":2', b'"n":7'), 4],
    )
    tampered = client.get(f"/api/v1/provenance/pieces/{piece}/bundle").content
    with pytest.raises(VerificationFailed, match="entry 4"):
        verify_bundle(tampered, policy, piece=piece)


def test_unknown_pieces_and_bad_ids_are_problems(client: Client) -> None:
    assert client.get("/api/v1/provenance/pieces/pc_" + "0" * 20).status_code == 404
    assert client.get("/api/v1/provenance/pieces/1234").status_code == 422


def test_tiles_and_the_checkpoint_give_the_same_root(client: Client) -> None:
    entries = _logged_lab_history()
    note = client.get("/log/checkpoint").content.decode()
    opened = open_note(note, [client.get("/api/v1/provenance/checkpoint").json()["log_key"]])
    size = len(entries)

    def fetch(level: int, index: int, width: int | None) -> bytes:
        response = client.get("/log/" + tiles.tile_path(level, index, width))
        assert response.status_code == 200
        return response.content

    reader = tiles.TileHashReader(size, fetch)
    assert base64.b64encode(reader.root()).decode() in opened.text
    bundle = client.get("/log/" + tiles.tile_path("entries", 0, size))
    assert tiles.decode_bundle(bundle.content) == [bytes(e.entry) for e in entries]
    assert client.get("/log/tile/0/001").status_code == 404  # beyond the tree
    proof = client.get(f"/api/v1/provenance/consistency?old=2&new={size}").json()["proof"]
    tlog.verify_consistency(2, size, selectors.root_at(2), reader.root(), [base64.b64decode(h) for h in proof])


def test_partners_submit_signed_entries_and_forgeries_change_nothing(client: Client) -> None:
    lab = Ed25519PrivateKey.generate()
    services.register_party(party_id="lab.gia", kind="lab", name="GIA", public_key=public_key_bytes(lab))
    body = statement("certificate.issued", piece="pc_" + "b" * 20, party="lab.gia", data={"n": 1}, time=timezone.now())
    good = base64.b64encode(sign_statement(body, lab).entry_bytes()).decode()
    forged = base64.b64encode(sign_statement(body, Ed25519PrivateKey.generate()).entry_bytes()).decode()
    url = "/api/v1/provenance/statements"

    before = LogEntry.objects.count() + services.PendingEntry.objects.count()
    refused = client.post(url, json.dumps({"entries": [good, forged]}), content_type="application/json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert LogEntry.objects.count() + services.PendingEntry.objects.count() == before

    accepted = client.post(url, json.dumps({"entries": [good]}), content_type="application/json")
    assert accepted.status_code == 202 and accepted.json()["accepted"][0]["duplicate"] is False
    again = client.post(url, json.dumps({"entries": [good]}), content_type="application/json")
    assert again.json()["accepted"][0]["duplicate"] is True
    bad = client.post(url, json.dumps({"entries": ["not base64!"]}), content_type="application/json")
    assert bad.status_code == 422


# --- witnesses --------------------------------------------------------------------------------------


def test_witnesses_cosign_a_growing_log_and_the_policy_names_them(settings, tmp_path) -> None:
    from auric.provenance import keys

    _logged_lab_history()
    signer = CosignatureSigner.generate("auditor.example/witness")
    app = witness.make_app(
        key=signer.private_key_string(), logs=[keys.log_verifier_key()], state=str(tmp_path / "w.db")
    )
    settings.AURIC_PROVENANCE_WITNESSES = f"auditor {signer.verifier_key()} http://witness.test"
    settings.AURIC_PROVENANCE_WITNESS_QUORUM = 1

    def post(url: str, body: bytes) -> tuple[int, bytes]:
        assert url == "http://witness.test/add-checkpoint"
        return _call_wsgi(app, body)

    assert witnessing.collect_cosignatures(post) == {"auditor": True}
    services.record("piece.made", party_id="platform", piece="pc_" + "c" * 20, data={}, source="grow")
    services.integrate_all()
    assert witnessing.collect_cosignatures(post) == {"auditor": True}  # a consistency proof from the last size
    assert Cosignature.objects.count() == 2

    note = selectors.checkpoint_note(selectors.latest_checkpoint())
    from auric.provenance.policy import parse_policy

    policy = parse_policy(selectors.policy_text())
    assert policy.quorum_met(policy.check_cosignatures(note))


def _call_wsgi(app: Any, body: bytes) -> tuple[int, bytes]:
    captured: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        captured["status"] = int(status.split()[0])

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/add-checkpoint",
        "CONTENT_LENGTH": str(len(body)),
        "CONTENT_TYPE": "text/plain",
        "wsgi.input": io.BytesIO(body),
        "SERVER_NAME": "witness.test",
        "SERVER_PORT": "80",
        "wsgi.url_scheme": "http",
    }
    chunks = b"".join(app(environ, start_response))
    return captured["status"], chunks


def test_certificates_logged_by_their_lab_and_edits_flagged() -> None:
    certificate = CertificateFactory()
    services.log_certificate(certificate)
    services.integrate_all()
    check = services.check_certificate(certificate.lab, certificate.report_number)
    assert check.matches and check.entry is not None
    certificate.grades = {**certificate.grades, "clarity": "FL"}
    certificate.save()
    check = services.check_certificate(certificate.lab, certificate.report_number)
    assert not check.matches and check.differences[0].startswith("grades:")
