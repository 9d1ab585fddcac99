"""Supplier API for the buying office and the ERP: suppliers with their certifications and scorecard,
and receiving a piece from a supplier (the same rule as everywhere: approved, certified that day).
Staff only; thin over `quality.suppliers` and `quality.scorecards`."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Path, Router, Schema, Status

from auric.accounts.auth import API_AUTH
from auric.api import READ_ERRORS, WRITE_ERRORS, errors
from auric.catalog.models import Piece
from auric.core.errors import NotFound, PermissionDenied
from auric.inventory.models import Location
from auric.quality import scorecards, suppliers
from auric.quality.models import Supplier

router = Router(tags=["quality"])
TEXT = r"^[^\x00]*$"
VIEW = "quality.view_supplier"
SCORECARD_DAYS = 90


class CertificationOut(Schema):
    scheme: str
    number: str
    issued_on: date
    valid_until: date | None
    valid_today: bool


class SupplierOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    status: str
    cleared_today: bool = Field(..., description="Approved, with every supplier-level certification valid today")
    certifications: list[CertificationOut]


class ScorecardOut(Schema):
    start: date
    end: date
    received: int
    qc_pass_rate: str | None
    return_rate: str | None
    complaint_rate: str | None
    on_time_rate: str | None
    audit_score: str | None
    next_audit_due: date


class SupplierDetail(SupplierOut):
    scorecard: ScorecardOut


def _staff(request: HttpRequest, permission: str = VIEW) -> Any:
    user: Any = getattr(request, "auth", None)
    if user is None or not user.has_perm(permission):
        raise PermissionDenied("Only the buying office may see suppliers.")
    return user


def _text(value: Any) -> str | None:
    return None if value is None else format(value, "f")


def supplier_out(supplier: Supplier, today: date) -> dict[str, Any]:
    return {
        "code": supplier.code,
        "name": supplier.name,
        "name_en": supplier.name_en,
        "kind": supplier.kind,
        "status": supplier.status,
        "cleared_today": suppliers.is_cleared(supplier=supplier, on=today),
        "certifications": [
            {
                "scheme": c.scheme,
                "number": c.number,
                "issued_on": c.issued_on,
                "valid_until": c.valid_until,
                "valid_today": c.issued_on <= today
                and c.revoked_on is None
                and (c.valid_until is None or c.valid_until >= today),
            }
            for c in supplier.certifications.order_by("scheme", "valid_until")
        ],
    }


def _supplier(code: str) -> Supplier:
    supplier = Supplier.objects.filter(code=code).first()
    if supplier is None:
        raise NotFound("No such supplier")
    return supplier


SupplierCode = Path(..., min_length=1, max_length=30, pattern=r"^[-a-zA-Z0-9_]+$")


@router.get(
    "/quality/suppliers",
    response={200: list[SupplierOut], **READ_ERRORS, **errors(401, 403)},
    auth=API_AUTH,
    summary="Suppliers with their certifications (buying office)",
)
def list_suppliers(request: HttpRequest) -> Any:
    _staff(request)
    today = timezone.localdate()
    return [supplier_out(s, today) for s in Supplier.objects.order_by("code").prefetch_related("certifications")[:500]]


@router.get(
    "/quality/suppliers/{code}",
    response={200: SupplierDetail, **READ_ERRORS, **errors(401, 403, 404)},
    auth=API_AUTH,
    summary="A supplier, its certifications and its scorecard over the last 90 days",
)
def get_supplier(request: HttpRequest, code: str = SupplierCode) -> Any:
    _staff(request)
    supplier = _supplier(code)
    today = timezone.localdate()
    card = scorecards.scorecard(supplier=supplier, start=today - timedelta(days=SCORECARD_DAYS), end=today)
    audit = card.audit_score
    return {
        **supplier_out(supplier, today),
        "scorecard": {
            "start": card.start,
            "end": card.end,
            "received": card.received,
            "qc_pass_rate": _text(card.qc_pass_rate),
            "return_rate": _text(card.return_rate),
            "complaint_rate": _text(card.complaint_rate),
            "on_time_rate": _text(card.on_time_rate),
            "audit_score": _text(audit),
            "next_audit_due": scorecards.next_audit_due(supplier),
        },
    }


class ReceiptIn(Schema):
    supplier: str = Field(..., min_length=1, max_length=30, pattern=TEXT)
    piece: str = Field(..., min_length=1, max_length=64, pattern=TEXT, description="Tag code or serial number")
    location: str = Field(..., min_length=1, max_length=30, pattern=TEXT, description="Location code")
    reference: str = Field("", max_length=60, pattern=TEXT, description="Purchase order, delivery note …")
    expected_on: date | None = None


class ReceiptOut(Schema):
    supplier: str
    piece: str
    location: str
    received_on: date
    on_time: bool | None
    stock_status: str


@router.post(
    "/quality/receipts",
    response={201: ReceiptOut, **WRITE_ERRORS, **errors(404)},
    auth=API_AUTH,
    summary="Receive a registered piece from a supplier (approved, certifications valid today)",
)
def receive(request: HttpRequest, body: ReceiptIn) -> Any:
    user = _staff(request, suppliers.RECEIVE_PERMISSION)
    supplier = _supplier(body.supplier)
    piece = Piece.objects.filter(Q(tag_code=body.piece) | Q(serial_number=body.piece)).first()
    location = Location.objects.filter(code=body.location).first()
    if piece is None or location is None:
        raise NotFound("No such piece or location")
    receipt = suppliers.receive_from_supplier(
        supplier=supplier,
        piece=piece,
        location=location,
        actor=user,
        reference=body.reference,
        expected_on=body.expected_on,
    )
    return Status(
        201,
        ReceiptOut(
            supplier=supplier.code,
            piece=piece.serial_number,
            location=location.code,
            received_on=receipt.received_on,
            on_time=receipt.on_time,
            stock_status=piece.stock.status,
        ),
    )
