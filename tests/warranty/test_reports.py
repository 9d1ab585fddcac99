"""Third-party inspection reports: a holder (or staff) attaches a PDF or image to a piece; its SHA-256
goes into the log as `inspection.attached` (its hash; issuer and number when staff attach it — no person); wrong types, oversized
files and strangers are refused with nothing changed."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from auric.core.errors import ValidationFailed
from auric.provenance import services as provenance
from auric.warranty import reports
from auric.warranty.models import InspectionReport
from tests.warranty.support import log_text, logged
from tests.warranty.trade import operator

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def upload(content: bytes = PDF, name: str = "report.pdf", content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def attach(piece, user, **changes):
    arguments = {"issuer": "NGTC 国检", "report_number": "NGTC-2026-118", "upload": upload(), "user": user}
    return reports.attach_report(piece=piece, **{**arguments, **changes})


def test_a_holder_attaches_a_report_and_its_hash_is_logged(ring_card, shopper):
    piece = reports.held_piece(user=shopper, public_id=ring_card.piece_public_id)

    report = attach(piece, shopper)

    assert report.sha256 == hashlib.sha256(PDF).hexdigest()
    assert (report.content_type, report.size, report.by_staff) == ("application/pdf", len(PDF), False)
    [statement] = logged("inspection.attached")
    assert statement["piece"] == ring_card.piece_public_id
    # Free text typed by a holder never enters the log (it could name a person): the hash does.
    assert statement["data"] == {
        "report_sha256": report.sha256,
        "content_type": "application/pdf",
        "attached_by": "holder",
    }
    assert (report.issuer, report.report_number) == ("NGTC 国检", "NGTC-2026-118")
    assert shopper.username not in log_text()


def test_staff_attach_a_report_to_any_piece(ring_card):
    staff = operator()
    piece = reports.held_piece(user=staff, public_id=ring_card.piece_public_id, staff=True)

    report = attach(piece, staff, upload=upload(PNG, "scan.png", "image/png"), by_staff=True)

    data = logged("inspection.attached")[0]["data"]
    assert (report.content_type, data["attached_by"], data["issuer"], data["number"]) == (
        "image/png",
        "staff",
        "NGTC 国检",
        "NGTC-2026-118",
    )


def test_someone_who_does_not_hold_the_piece_cannot_attach(ring_card, other_shopper):
    with pytest.raises(reports.PieceNotHeld):
        reports.held_piece(user=other_shopper, public_id=ring_card.piece_public_id)
    with pytest.raises(reports.PieceNotHeld):
        reports.held_piece(user=other_shopper, public_id=ring_card.piece_public_id, staff=True)
    with pytest.raises(reports.PieceNotHeld):
        reports.held_piece(user=other_shopper, public_id="pc_nothing_here")


@pytest.mark.parametrize(
    ("file", "field"),
    [
        (upload(b"MZ\x90\x00 not a pdf", "report.pdf"), "file"),  # a program named .pdf
        (upload(b"<html><script>", "report.html", "text/html"), "file"),
        (upload(PNG, "report.pdf", "application/pdf"), "file"),  # an image claiming to be a PDF
        (upload(b"", "empty.pdf"), "file"),
    ],
)
def test_wrong_file_types_are_refused_and_nothing_changes(ring_card, shopper, file, field):
    with pytest.raises(ValidationFailed) as error:
        attach(ring_card.piece, shopper, upload=file)

    assert field in error.value.errors
    assert not InspectionReport.objects.exists()
    assert logged("inspection.attached") == []


def test_an_oversized_file_is_refused(ring_card, shopper, settings):
    settings.AURIC_MAX_REPORT_BYTES = 1024
    with pytest.raises(ValidationFailed, match="too large"):
        attach(ring_card.piece, shopper, upload=upload(PDF + b"0" * 1024))
    assert not InspectionReport.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"issuer": ""}, "issuer"), ({"issuer": "x" * 81}, "issuer"), ({"report_number": "<script>"}, "report_number")],
)
def test_bad_issuer_or_number_is_refused(ring_card, shopper, changes, field):
    with pytest.raises(ValidationFailed) as error:
        attach(ring_card.piece, shopper, **changes)
    assert field in error.value.errors
    assert not InspectionReport.objects.exists()


def test_the_same_file_is_attached_once(ring_card, shopper):
    attach(ring_card.piece, shopper)
    with pytest.raises(reports.ReportAttachedAlready):
        attach(ring_card.piece, shopper)
    assert InspectionReport.objects.count() == 1
    assert len(logged("inspection.attached")) == 1
    assert provenance.piece_public_id(ring_card.piece) == ring_card.piece_public_id
