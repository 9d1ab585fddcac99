"""Third-party inspection reports attached to a piece: a PDF or image a holder (or staff) uploads,
checked by size and by its bytes (not the name or the declared type alone), kept with its SHA-256,
and logged as an `inspection.attached` statement — its hash (and, attached by staff, the issuer and
report number); no person.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Piece
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.core.transactions import service_transaction
from auric.provenance import services as provenance
from auric.provenance.models import PieceRecord
from auric.warranty.buyback import holds
from auric.warranty.models import InspectionReport

MAX_REPORT_BYTES = 10 * 1024 * 1024
# What a report may be, told by its first bytes: (content type, extension, test).
KINDS: tuple[tuple[str, str, Any], ...] = (
    ("application/pdf", "pdf", lambda head: head.startswith(b"%PDF-")),
    ("image/jpeg", "jpg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ("image/png", "png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ("image/webp", "webp", lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP"),
)
REPORT_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-/. ]{0,59}$")
ATTACH_ANY = "warranty.add_inspectionreport"


class PieceNotHeld(NotFound):
    code = "piece_not_found"
    title = gettext_noop("You hold no such piece")


class ReportAttachedAlready(Conflict):
    code = "report_attached_already"
    title = gettext_noop("This report is attached to the piece already")


def max_report_bytes() -> int:
    return int(getattr(settings, "AURIC_MAX_REPORT_BYTES", MAX_REPORT_BYTES))


def piece_by_public_id(public_id: str) -> Piece | None:
    record = PieceRecord.objects.select_related("piece").filter(public_id=public_id).first()
    return record.piece if record is not None else None


def held_piece(*, user: Any, public_id: str, staff: bool = False) -> Piece:
    """The piece by its public id when the user holds it (or is staff allowed to act on any)."""
    piece = piece_by_public_id(public_id)
    allowed = piece is not None and (holds(user, piece) or (staff and user.has_perm(ATTACH_ANY)))
    if piece is None or not allowed:
        raise PieceNotHeld(f"You hold no piece {public_id}")
    return piece


def _read(upload: Any) -> tuple[bytes, str, str]:
    """The file's bytes, content type and extension; 422 for anything else."""
    size = getattr(upload, "size", None)
    limit = max_report_bytes()
    if size is None or size <= 0:
        raise ValidationFailed("The report file is empty", errors={"file": ["empty"]})
    if size > limit:
        raise ValidationFailed(
            "The report file is too large", errors={"file": [f"at most {limit // (1024 * 1024)} MB"]}
        )
    upload.seek(0)
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationFailed(
            "The report file is too large", errors={"file": [f"at most {limit // (1024 * 1024)} MB"]}
        )
    found = next(((kind, ext) for kind, ext, test in KINDS if test(content[:16])), None)
    if found is None:
        raise ValidationFailed("A report is a PDF or an image", errors={"file": ["PDF, JPEG, PNG or WebP"]})
    declared = (getattr(upload, "content_type", "") or "").split(";")[0].strip().lower()
    if declared and declared not in ("application/octet-stream", found[0]):
        raise ValidationFailed(
            "The file is not what its type says", errors={"file": [f"declared {declared[:40]}, content {found[0]}"]}
        )
    return content, found[0], found[1]


def _text(value: str, *, field: str, max_length: int) -> str:
    value = (value or "").strip()
    if not value or len(value) > max_length or "\x00" in value or not value.isprintable():
        raise ValidationFailed(f"The {field} is not valid", errors={field: [f"1–{max_length} characters"]})
    return value


def _logged_data(*, issuer: str, number: str, digest: str, content_type: str, by_staff: bool) -> dict[str, str]:
    """What the log keeps forever. A holder types the issuer and number freely (they could type a
    name or a phone number), so only the file's hash is logged for them; staff attach reports from
    institutions and log the issuer and number too. Both stay with the report in the database."""
    data = {"report_sha256": digest, "content_type": content_type, "attached_by": "staff" if by_staff else "holder"}
    if by_staff:
        data.update(issuer=issuer, number=number)
    return data


def attach_report(
    *, piece: Piece, issuer: str, report_number: str, upload: Any, user: Any, by_staff: bool = False
) -> InspectionReport:
    """Keep the report with its hash and log `inspection.attached` (the caller checked who may)."""
    errors: dict[str, list[str]] = {}
    try:
        issuer = _text(issuer, field="issuer", max_length=80)
    except ValidationFailed as error:
        errors.update(error.errors)
    number = (report_number or "").strip()
    if not REPORT_NUMBER.match(number):
        errors["report_number"] = ["letters, digits, '-', '/', '.' or spaces, at most 60"]
    if errors:
        raise ValidationFailed("The report is not valid", errors=errors)
    content, content_type, extension = _read(upload)
    digest = hashlib.sha256(content).hexdigest()
    public_id = provenance.piece_public_id(piece)
    with service_transaction():
        if InspectionReport.objects.filter(piece=piece, sha256=digest).exists():
            raise ReportAttachedAlready(f"This file (SHA-256 {digest[:12]}…) is attached to the piece already.")
        report = InspectionReport(
            piece=piece,
            piece_public_id=public_id,
            issuer=issuer,
            report_number=number,
            content_type=content_type,
            size=len(content),
            sha256=digest,
            uploaded_by=user if getattr(user, "is_authenticated", False) else None,
            by_staff=by_staff,
            uploaded_at=timezone.now(),
        )
        report.file.save(f"{secrets.token_hex(12)}.{extension}", ContentFile(content), save=False)
        try:
            with transaction.atomic():
                report.save()
        except IntegrityError as error:
            raise ReportAttachedAlready("This file is attached to the piece already.") from error
        provenance.record(
            "inspection.attached",
            party_id=provenance.PLATFORM,
            piece=public_id,
            data=_logged_data(
                issuer=issuer, number=number, digest=digest, content_type=content_type, by_staff=by_staff
            ),
            source=f"report:{report.pk}",
            at=report.uploaded_at,
        )
        return report


def reports_of(piece: Piece) -> list[InspectionReport]:
    return list(InspectionReport.objects.filter(piece=piece).order_by("-uploaded_at", "-id"))
