"""The stored log: parties and keys, accepting statements, the sequencer, proofs and the
append-only guard, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.db import DatabaseError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from auric.provenance import keys, selectors, services, tlog
from auric.provenance.append_only import APPEND_ONLY_TABLES
from auric.provenance.models import Checkpoint, Cosignature, LogEntry, PendingEntry, TreeNode
from auric.provenance.note import open_note, parse_checkpoint
from auric.provenance.statements import public_key_bytes, sign_statement, statement

pytestmark = pytest.mark.django_db


def _lab(party_id: str = "lab.ngtc") -> Ed25519PrivateKey:
    private = Ed25519PrivateKey.generate()
    services.register_party(party_id=party_id, kind="lab", name="NGTC", public_key=public_key_bytes(private))
    return private


def _certificate(private: Ed25519PrivateKey, number: str, party: str = "lab.ngtc", piece: str = "pc_0001"):
    body = statement("certificate.issued", piece=piece, party=party, data={"report": number}, time=timezone.now())
    return sign_statement(body, private)


def _verified_checkpoint():
    checkpoint = selectors.latest_checkpoint()
    assert checkpoint is not None
    opened = open_note(checkpoint.note, [keys.log_verifier_key()])
    return parse_checkpoint(opened.text)


def test_the_first_entry_registers_the_platform_key_self_signed() -> None:
    lab = _lab()
    services.integrate_all()
    first, second = LogEntry.objects.order_by("index")[:2]
    assert (first.type, first.party) == ("party.registered", "platform")
    assert (second.type, second.party) == ("party.registered", "platform")
    assert public_key_bytes(lab).hex() not in bytes(first.entry).decode()


def test_integrated_entries_are_provably_in_the_signed_checkpoint() -> None:
    lab = _lab()
    for number in range(7):
        services.accept(_certificate(lab, f"R{number}"))
    services.integrate_all()
    checkpoint = _verified_checkpoint()
    assert checkpoint.size == LogEntry.objects.count() == 9
    assert checkpoint.root == tlog.tree_root([bytes(e.entry) for e in LogEntry.objects.order_by("index")])
    for entry in LogEntry.objects.all():
        proof = selectors.inclusion_proof(entry.index, checkpoint.size)
        tlog.verify_inclusion(tlog.leaf_hash(bytes(entry.entry)), entry.index, checkpoint.size, proof, checkpoint.root)


def test_each_batch_signs_a_checkpoint_consistent_with_the_last() -> None:
    lab = _lab()
    sizes = []
    for batch in range(4):
        for number in range(batch + 2):
            services.accept(_certificate(lab, f"B{batch}-{number}"))
        services.integrate_all(limit=3)
        sizes.append(selectors.latest_checkpoint().size)
    checkpoints = {c.size: c for c in Checkpoint.objects.all()}
    for old, new in zip(sorted(checkpoints), sorted(checkpoints)[1:], strict=False):
        proof = selectors.consistency_proof(old, new)
        tlog.verify_consistency(old, new, bytes(checkpoints[old].root), bytes(checkpoints[new].root), proof)
    assert sizes == sorted(sizes)


def test_the_same_statement_or_source_enters_the_log_once() -> None:
    lab = _lab()
    signed = _certificate(lab, "R1")
    assert not services.accept(signed).duplicate
    assert services.accept(signed).duplicate
    services.integrate_all()
    assert services.accept(signed).duplicate
    assert LogEntry.objects.filter(type="certificate.issued").count() == 1

    services.ensure_party("store.sh01", kind="store", name="Shanghai 1")
    first = services.record("piece.sold", party_id="store.sh01", piece="pc_0001", data={}, source="event:abc")
    again = services.record("piece.sold", party_id="store.sh01", piece="pc_0001", data={}, source="event:abc")
    assert (first.duplicate, again.duplicate) == (False, True)


def test_a_forged_statement_never_enters_the_log() -> None:
    _lab()
    before = PendingEntry.objects.count() + LogEntry.objects.count()
    forger = Ed25519PrivateKey.generate()
    with pytest.raises(services.UnknownSigner, match="not registered"):
        services.accept(_certificate(forger, "FAKE"))

    # A real key with a signature over other bytes.
    lab2 = _lab("lab.igi")
    genuine = _certificate(lab2, "R2", party="lab.igi")
    tampered = type(genuine)({**genuine.statement, "data": {"report": "R3"}}, genuine.key_id, genuine.signature)
    with pytest.raises(services.UnknownSigner, match="does not verify"):
        services.accept(tampered)

    # One party's key cannot speak for another.
    with pytest.raises(services.UnknownSigner, match=r"belongs to lab\.igi"):
        services.accept(_certificate(lab2, "R4", party="lab.ngtc"))
    assert PendingEntry.objects.count() + LogEntry.objects.count() == before + 1  # lab.igi's registration


def test_a_revoked_key_is_refused_and_the_revocation_is_logged() -> None:
    lab = _lab()
    services.accept(_certificate(lab, "before"))
    from auric.provenance.statements import key_id

    services.revoke_party_key(key_id_=key_id(public_key_bytes(lab)), reason="key leaked")
    with pytest.raises(services.UnknownSigner, match="revoked"):
        services.accept(_certificate(lab, "after"))
    services.integrate_all()
    assert list(LogEntry.objects.order_by("index").values_list("type", flat=True))[-2:] == [
        "certificate.issued",
        "party.key_revoked",
    ]


def test_only_the_platform_says_who_may_sign() -> None:
    lab = _lab()
    body = statement("party.key_added", piece=None, party="lab.ngtc", data={"key": "x"}, time=timezone.now())
    with pytest.raises(services.StatementRefused, match="Only the platform"):
        services.accept(sign_statement(body, lab))


@pytest.mark.parametrize("table", APPEND_ONLY_TABLES)
def test_log_tables_refuse_update_and_delete(table: str) -> None:
    _lab()
    services.integrate_all()
    Cosignature.objects.create(checkpoint=selectors.latest_checkpoint(), witness="w", line="— w AAAA")
    column = _some_column(table)
    for sql in (f"UPDATE {table} SET {column} = {column}", f"DELETE FROM {table}"):  # noqa: S608 - our table names
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)


def _some_column(table: str) -> str:
    return {
        "provenance_logentry": "type",
        "provenance_treenode": "hash",
        "provenance_checkpoint": "note",
        "provenance_cosignature": "line",
        "provenance_submission": "source",
    }[table]


def test_the_orm_cannot_edit_an_entry_either() -> None:
    _lab()
    services.integrate_all()
    entry = LogEntry.objects.first()
    entry.type = "piece.sold"
    with pytest.raises(DatabaseError), transaction.atomic():
        entry.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        TreeNode.objects.all().delete()


def test_proofs_read_only_a_logarithmic_number_of_nodes(django_assert_num_queries) -> None:
    lab = _lab()
    for number in range(40):
        services.accept(_certificate(lab, f"N{number}"))
    services.integrate_all()
    size = LogEntry.objects.count()
    with django_assert_num_queries(1):
        proof = selectors.inclusion_proof(17, size)
    assert len(proof) == (size - 1).bit_length()
    with django_assert_num_queries(1):
        selectors.consistency_proof(5, size)


@override_settings(AURIC_PROVENANCE_SEQUENCE_ON_COMMIT=False)
def test_nothing_pending_means_no_new_checkpoint() -> None:
    _lab()
    assert services.integrate_pending() is not None
    assert services.integrate_pending() is None


@pytest.mark.django_db(transaction=True)
@override_settings(AURIC_PROVENANCE_SEQUENCE_ON_COMMIT=False)
def test_concurrent_sequencers_integrate_every_entry_exactly_once() -> None:
    lab = _lab()
    for number in range(60):
        services.accept(_certificate(lab, f"C{number}"))
    errors: list[BaseException] = []

    def sequence() -> None:
        try:
            services.integrate_all(limit=7)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sequence) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    indices = list(LogEntry.objects.order_by("index").values_list("index", flat=True))
    assert indices == list(range(62))
    assert not PendingEntry.objects.exists()
    checkpoint = _verified_checkpoint()
    assert checkpoint.root == selectors.root_at(62)


def test_a_large_upload_is_verified_in_parallel_and_one_forgery_refuses_it_all() -> None:
    lab = _lab()
    signed = [_certificate(lab, f"P{number}") for number in range(services.PARALLEL_FROM + 10)]
    forged = _certificate(Ed25519PrivateKey.generate(), "FORGED")
    # The forger claims the lab's key: its signature is the one thing wrong.
    forged = type(forged)(forged.statement, signed[0].key_id, forged.signature)
    before = PendingEntry.objects.count()
    with pytest.raises(services.UnknownSigner, match="does not verify"):
        services.accept_entries([s.entry_bytes() for s in [*signed[:40], forged, *signed[40:]]])
    assert PendingEntry.objects.count() == before
    accepted = services.accept_entries([s.entry_bytes() for s in signed])
    assert len(accepted) == len(signed) and not any(a.duplicate for a in accepted)
