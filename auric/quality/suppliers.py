"""Supplier use cases: which certifications a delivery needs, receiving a piece from a supplier,
supplier status, audits with their checklists and corrective actions, claims and complaints.

A piece is received from a supplier only while the supplier is approved and holds, valid on the
receiving day, every certification the rules (`RequiredCertification`) require for that supplier
and that piece; otherwise the receipt is refused with the certification and its dates named, and
nothing changes. Each function is one transaction (docs/suppliers.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Piece, Style
from auric.core import events
from auric.core.audit import record_change
from auric.core.errors import Conflict, PermissionDenied, ValidationFailed
from auric.core.transactions import service_transaction
from auric.inventory import services as inventory
from auric.inventory.models import Location
from auric.quality.models import (
    AuditArea,
    AuditItem,
    Certification,
    Complaint,
    CorrectiveAction,
    Gate,
    Inspection,
    RequiredCertification,
    Scheme,
    Supplier,
    SupplierAudit,
    SupplierClaim,
    SupplyReceipt,
)

SUPPLY_RECEIVED = "quality.SupplyReceived"
SUPPLIER_STATUS_CHANGED = "quality.SupplierStatusChanged"
SUPPLIER_CLAIM_OPENED = "quality.SupplierClaimOpened"
COMPLAINT_RECORDED = "quality.ComplaintRecorded"

RECEIVE_PERMISSION = "quality.receive_from_supplier"
MAX_AUDIT_ITEMS = 200
MAX_CORRECTIVE_ACTIONS = 50


class SupplierNotApproved(Conflict):
    code = "supplier_not_approved"
    title = gettext_noop("The supplier is not approved")


class CertificationNotValid(Conflict):
    code = "certification_not_valid"
    title = gettext_noop("A required certification is missing or not valid")


@dataclass(frozen=True)
class Gap:
    """A required certification the supplier does not hold valid on a day, and why."""

    scheme: str
    problem: str  # missing | lapsed | revoked | not_yet_valid
    number: str = ""
    valid_until: date | None = None
    issued_on: date | None = None
    revoked_on: date | None = None

    def describe(self) -> str:
        label = Scheme(self.scheme).label
        if self.problem == "lapsed":
            return f"{label} {self.number} lapsed on {self.valid_until:%Y-%m-%d}"
        if self.problem == "revoked":
            return f"{label} {self.number} was revoked on {self.revoked_on:%Y-%m-%d}"
        if self.problem == "not_yet_valid":
            return f"{label} {self.number} is valid only from {self.issued_on:%Y-%m-%d}"
        return f"no {label} certification on file"

    def as_problem(self) -> dict[str, Any]:
        return {
            "scheme": self.scheme,
            "problem": self.problem,
            "number": self.number,
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


# --- which certifications are required -----------------------------------------------------------


def _piece_facts(piece: Piece) -> tuple[set[tuple[str, str]], str, set[int]]:
    stones = {(kind, origin) for kind, origin in piece.stones.values_list("kind", "origin")}
    style = Style.objects.select_related("category").get(pk=piece.style_id)
    categories = {style.category_id}
    if style.category.parent_id:
        categories.add(style.category.parent_id)
    return stones, piece.variant.metal, categories


def rule_applies(rule: RequiredCertification, supplier: Supplier, facts: Any) -> bool:
    """Whether a rule applies to this supplier (and, given `facts` of a piece, to that piece).
    Without a piece only the rules that do not depend on one apply."""
    if rule.supplier_kind and rule.supplier_kind != supplier.kind:
        return False
    if not rule.depends_on_piece:
        return True
    if facts is None:
        return False
    stones, metal, categories = facts
    if rule.gem and not any(
        kind == rule.gem and (not rule.natural_only or origin == "natural") for kind, origin in stones
    ):
        return False
    if rule.metal and rule.metal != metal:
        return False
    return not (rule.category_id and rule.category_id not in categories)


def required_schemes(*, supplier: Supplier, piece: Piece | None = None) -> list[str]:
    """The schemes this supplier must hold (for this piece, when given), in a stable order."""
    facts = _piece_facts(piece) if piece is not None else None
    rules = RequiredCertification.objects.filter(is_active=True)
    return sorted({rule.scheme for rule in rules if rule_applies(rule, supplier, facts)})


def certification_gaps(*, supplier: Supplier, schemes: Iterable[str], on: date) -> list[Gap]:
    """For each scheme the supplier lacks a certification valid on `on` (valid_until is inclusive)."""
    held: dict[str, list[Certification]] = {}
    for certification in Certification.objects.filter(supplier=supplier).order_by("scheme", "valid_until", "pk"):
        held.setdefault(certification.scheme, []).append(certification)
    gaps = []
    for scheme in schemes:
        certifications = held.get(scheme, [])
        if any(c.is_valid_on(on) for c in certifications):
            continue
        if not certifications:
            gaps.append(Gap(scheme, "missing"))
            continue
        revoked = [c for c in certifications if c.revoked_on is not None and c.revoked_on <= on]
        lapsed = [c for c in certifications if c.valid_until is not None and c.valid_until < on]
        if lapsed:
            last = max(lapsed, key=lambda c: c.valid_until or on)
            gaps.append(Gap(scheme, "lapsed", last.number, valid_until=last.valid_until))
        elif revoked:
            last = max(revoked, key=lambda c: c.revoked_on or on)
            gaps.append(Gap(scheme, "revoked", last.number, valid_until=last.valid_until, revoked_on=last.revoked_on))
        else:
            first = min(certifications, key=lambda c: c.issued_on)
            gaps.append(Gap(scheme, "not_yet_valid", first.number, issued_on=first.issued_on))
    return gaps


def is_cleared(*, supplier: Supplier, on: date) -> bool:
    """Approved and holding every certification required of the supplier itself (whatever it delivers)."""
    if supplier.status != Supplier.Status.APPROVED:
        return False
    return not certification_gaps(supplier=supplier, schemes=required_schemes(supplier=supplier), on=on)


# --- receiving -------------------------------------------------------------------------------------


def _may(actor: Any, permission: str, what: str) -> None:
    if actor is None:
        return  # the system itself (imports, commands)
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(permission):
        raise PermissionDenied(f"You may not {what}.")


def receive_from_supplier(
    *,
    supplier: Supplier,
    piece: Piece,
    location: Location,
    actor: Any,
    reference: str,
    on: date | None = None,
    expected_on: date | None = None,
) -> SupplyReceipt:
    """Receive a piece from a supplier: refused unless the supplier is approved and every required
    certification is valid on the receiving day; then a supply receipt and the stock receipt
    (which holds the piece for its inbound inspection), together."""
    _may(actor, RECEIVE_PERMISSION, "receive pieces from suppliers")
    with service_transaction():
        receipt = _record_receipt(
            supplier=supplier,
            piece=piece,
            location=location,
            actor=actor,
            reference=reference,
            on=on,
            expected_on=expected_on,
        )
        inventory.receive_piece(piece=piece, location=location, actor=actor, reference=receipt.reference)
        return receipt


def _record_receipt(
    *,
    supplier: Supplier,
    piece: Piece,
    location: Location,
    actor: Any,
    reference: str,
    on: date | None = None,
    expected_on: date | None = None,
) -> SupplyReceipt:
    """The checks and the supply receipt, in the caller's transaction."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValidationFailed("A piece cannot be received in the future.", errors={"on": ["after today"]})
    reference = (reference or "").strip()
    if len(reference) > 60 or "\x00" in reference:
        raise ValidationFailed("References are at most 60 characters.", errors={"reference": ["too long"]})
    # Locked so a suspension cannot slip between the check and the receipt.
    supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
    if supplier.status != Supplier.Status.APPROVED:
        raise SupplierNotApproved(
            f"Supplier {supplier.code} is {Supplier.Status(supplier.status).label}; "
            "pieces are received only from approved suppliers.",
            supplier_status=supplier.status,
        )
    gaps = certification_gaps(supplier=supplier, schemes=required_schemes(supplier=supplier, piece=piece), on=on)
    if gaps:
        raise CertificationNotValid(
            f"Supplier {supplier.code} cannot deliver {piece.serial_number} on {on:%Y-%m-%d}: "
            + "; ".join(gap.describe() for gap in gaps)
            + ".",
            certifications=[gap.as_problem() for gap in gaps],
        )
    receipt = SupplyReceipt.objects.create(
        supplier=supplier,
        piece=piece,
        location=location,
        received_on=on,
        expected_on=expected_on,
        reference=reference,
        received_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    events.publish(
        SUPPLY_RECEIVED,
        {
            "receipt_id": receipt.pk,
            "supplier_id": supplier.pk,
            "piece_id": piece.pk,
            "location_id": location.pk,
            "received_on": on.isoformat(),
            "on_time": receipt.on_time,
        },
        aggregate=f"quality.supplier:{supplier.pk}",
    )
    return receipt


@inventory.receipt_rule
def new_pieces_come_from_certified_suppliers(
    *, piece: Piece, location: Location, supplier: str, first_receipt: bool, actor: Any, reference: str
) -> None:
    """Every receipt naming a supplier is checked and recorded; a new piece (its first receipt)
    must name one unless its supply receipt was recorded already (`receive_from_supplier`).
    Pieces coming back (returns, buybacks) need none. `AURIC_SUPPLIER_RECEIPTS_REQUIRED` can turn
    the requirement off for a brand that does not track suppliers here."""
    if supplier:
        found = Supplier.objects.filter(code=supplier).first()
        if found is None:
            raise ValidationFailed(f"Unknown supplier {supplier!r}.", errors={"supplier": ["no such supplier"]})
        _record_receipt(supplier=found, piece=piece, location=location, actor=actor, reference=reference)
    elif (
        first_receipt
        and settings.AURIC_SUPPLIER_RECEIPTS_REQUIRED
        and not SupplyReceipt.objects.filter(piece_id=piece.pk).exists()
    ):
        raise ValidationFailed(
            f"Piece {piece.serial_number} is new: name the approved supplier it comes from.",
            errors={"supplier": ["required for a new piece"]},
        )


def set_supplier_status(*, supplier: Supplier, status: str, reason: str, actor: Any) -> Supplier:
    """Approve, suspend or delist a supplier, saying why (kept in the audit log)."""
    _may(actor, "quality.change_supplier", "change suppliers")
    if status not in Supplier.Status.values:
        raise ValidationFailed(f"Unknown status {status!r}", errors={"status": [", ".join(Supplier.Status.values)]})
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed("Say why (at most 300 characters).", errors={"reason": ["required"]})
    with service_transaction():
        supplier = Supplier.objects.select_for_update().get(pk=supplier.pk)
        if supplier.status == status:
            return supplier
        if status == Supplier.Status.APPROVED:
            gaps = certification_gaps(
                supplier=supplier, schemes=required_schemes(supplier=supplier), on=timezone.localdate()
            )
            if gaps:
                raise CertificationNotValid(
                    f"Supplier {supplier.code} cannot be approved: " + "; ".join(g.describe() for g in gaps) + ".",
                    certifications=[gap.as_problem() for gap in gaps],
                )
        before = {"status": supplier.status}
        supplier.status, supplier.status_reason = status, reason
        supplier.save(update_fields=["status", "status_reason", "updated_at"])
        record_change(
            actor=actor, action="quality.supplier.status", obj=supplier, before=before, after={"status": status}
        )
        events.publish(
            SUPPLIER_STATUS_CHANGED,
            {"supplier_id": supplier.pk, "from": before["status"], "to": status},
            aggregate=f"quality.supplier:{supplier.pk}",
        )
        return supplier


# --- audits ----------------------------------------------------------------------------------------


def audit_score(items: Iterable[tuple[int, int]]) -> Decimal | None:
    """The checklist's share of its maximum, 0–100 with one decimal (None for an empty checklist)."""
    pairs = list(items)
    maximum = sum(max_score for _, max_score in pairs)
    if not maximum:
        return None
    return (Decimal(100) * sum(score for score, _ in pairs) / maximum).quantize(Decimal("0.1"))


def refresh_audit_score(*, audit: SupplierAudit) -> SupplierAudit:
    with service_transaction():
        audit.score = audit_score(audit.items.values_list("score", "max_score"))
        audit.save(update_fields=["score"])
        return audit


def _checklist(items: Sequence[Mapping[str, Any]]) -> list[AuditItem]:
    if len(items) > MAX_AUDIT_ITEMS:
        raise ValidationFailed("Too many checklist items.", errors={"items": [f"at most {MAX_AUDIT_ITEMS}"]})
    rows, errors = [], {}
    for index, item in enumerate(items):
        area, text = str(item.get("area", "")), str(item.get("item", "")).strip()
        score, max_score = item.get("score"), item.get("max_score", 5)
        problems = []
        if area not in AuditArea.values:
            problems.append(f"area: one of {', '.join(AuditArea.values)}")
        if not text or len(text) > 200:
            problems.append("item: 1–200 characters")
        if not isinstance(score, int) or not isinstance(max_score, int) or isinstance(score, bool):
            problems.append("score and max_score: whole numbers")
        elif not (max_score >= 1 and 0 <= score <= max_score):
            problems.append("score: between 0 and max_score")
        if problems:
            errors[f"items[{index}]"] = problems
        else:
            rows.append(AuditItem(area=area, item=text, score=cast(int, score), max_score=cast(int, max_score)))
    if errors:
        raise ValidationFailed("Some checklist items are not valid.", errors=errors)
    return rows


def record_audit(
    *,
    supplier: Supplier,
    performed_on: date,
    auditor: str,
    items: Sequence[Mapping[str, Any]],
    findings: str = "",
    actions: Sequence[Mapping[str, Any]] = (),
    actor: Any,
) -> SupplierAudit:
    """An audit done: its checklist (area, item, score of max), findings and corrective actions."""
    _may(actor, "quality.add_supplieraudit", "record supplier audits")
    auditor = (auditor or "").strip()
    if not auditor or len(auditor) > 120:
        raise ValidationFailed("Name the auditor.", errors={"auditor": ["1–120 characters"]})
    if performed_on > timezone.localdate():
        raise ValidationFailed("An audit cannot be recorded before it is done.", errors={"performed_on": ["future"]})
    rows = _checklist(items)
    if not rows:
        raise ValidationFailed("An audit needs its checklist.", errors={"items": ["at least one"]})
    if len(actions) > MAX_CORRECTIVE_ACTIONS:
        raise ValidationFailed(
            "Too many corrective actions.", errors={"actions": [f"at most {MAX_CORRECTIVE_ACTIONS}"]}
        )
    corrective = []
    for index, action in enumerate(actions):
        description, due_on = str(action.get("description", "")).strip(), action.get("due_on")
        if not description or len(description) > 300 or not isinstance(due_on, date):
            raise ValidationFailed(
                "Each corrective action needs a description and a due date.",
                errors={f"actions[{index}]": ["description (≤ 300 characters) and due_on (a date)"]},
            )
        corrective.append(CorrectiveAction(description=description, due_on=due_on))
    with service_transaction():
        audit = SupplierAudit.objects.create(
            supplier=supplier,
            performed_on=performed_on,
            auditor=auditor,
            findings=findings.strip(),
            score=audit_score((row.score, row.max_score) for row in rows),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        for row in rows:
            row.audit = audit
        AuditItem.objects.bulk_create(rows)
        for action_row in corrective:
            action_row.audit = audit
        CorrectiveAction.objects.bulk_create(corrective)
        return audit


def close_corrective_action(
    *, action: CorrectiveAction, closed_on: date | None = None, note: str = "", actor: Any
) -> CorrectiveAction:
    _may(actor, "quality.change_supplieraudit", "close corrective actions")
    closed_on = closed_on or timezone.localdate()
    with service_transaction():
        action = CorrectiveAction.objects.select_for_update().get(pk=action.pk)
        if action.closed_on is not None:
            raise Conflict(f"The corrective action was closed on {action.closed_on:%Y-%m-%d}.")
        action.closed_on, action.closing_note = closed_on, note.strip()[:300]
        action.save(update_fields=["closed_on", "closing_note"])
        return action


# --- claims and complaints -------------------------------------------------------------------------


def open_claim_for_failed_inspection(*, inspection_id: int) -> SupplierClaim | None:
    """A failed inbound inspection of a piece received from a supplier opens a claim against that
    supplier (once per inspection); other inspections open none."""
    inspection = Inspection.objects.filter(pk=inspection_id).first()
    if inspection is None or inspection.gate != Gate.INBOUND or inspection.state != Inspection.State.FAILED:
        return None
    receipt = (
        SupplyReceipt.objects.filter(piece_id=inspection.piece_id, received_at__lte=inspection.opened_at)
        .order_by("-received_at", "-pk")
        .first()
    ) or SupplyReceipt.objects.filter(piece_id=inspection.piece_id).order_by("-received_at", "-pk").first()
    if receipt is None:
        return None
    existing = SupplierClaim.objects.filter(inspection=inspection).first()
    if existing is not None:
        return existing
    try:
        with service_transaction():
            claim = SupplierClaim.objects.create(
                supplier_id=receipt.supplier_id,
                piece_id=inspection.piece_id,
                inspection=inspection,
                receipt=receipt,
                reasons=inspection.reasons,
            )
            events.publish(
                SUPPLIER_CLAIM_OPENED,
                {"claim_id": claim.pk, "supplier_id": receipt.supplier_id, "piece_id": inspection.piece_id},
                aggregate=f"quality.supplier:{receipt.supplier_id}",
            )
            return claim
    except IntegrityError:
        return SupplierClaim.objects.filter(inspection=inspection).first()  # opened concurrently


def close_claim(*, claim: SupplierClaim, state: str, note: str = "", actor: Any) -> SupplierClaim:
    _may(actor, "quality.change_supplierclaim", "settle supplier claims")
    if state not in (SupplierClaim.State.ACCEPTED, SupplierClaim.State.REJECTED, SupplierClaim.State.SETTLED):
        raise ValidationFailed("Accept, reject or settle a claim.", errors={"state": ["accepted, rejected, settled"]})
    with service_transaction():
        claim = SupplierClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.state == SupplierClaim.State.SETTLED:
            raise Conflict(f"Claim {claim.pk} is settled.")
        claim.state, claim.note = state, note.strip()[:300]
        claim.closed_at = timezone.now() if state == SupplierClaim.State.SETTLED else None
        claim.save(update_fields=["state", "note", "closed_at"])
        return claim


def record_complaint(
    *,
    style: Style,
    kind: str,
    actor: Any,
    source: str = Complaint.Source.STAFF,
    description: str = "",
    piece: Piece | None = None,
    order_line: Any = None,
    opened_at: datetime | None = None,
) -> Complaint:
    """A complaint about a style (and the piece or order line, when known); counted in the monthly
    elimination and the supplier's scorecard."""
    _may(actor, "quality.add_complaint", "record complaints")
    errors: dict[str, list[str]] = {}
    if kind not in Complaint.Kind.values:
        errors["kind"] = [", ".join(Complaint.Kind.values)]
    if source not in Complaint.Source.values:
        errors["source"] = [", ".join(Complaint.Source.values)]
    if len(description) > 500:
        errors["description"] = ["at most 500 characters"]
    if piece is not None and piece.style_id != style.pk:
        errors["piece"] = ["not a piece of this style"]
    if order_line is not None and order_line.variant.style_id != style.pk:
        errors["order_line"] = ["not a line of this style"]
    if errors:
        raise ValidationFailed("The complaint is not valid.", errors=errors)
    with transaction.atomic():
        complaint = Complaint.objects.create(
            style=style,
            piece=piece,
            order_line=order_line,
            kind=kind,
            source=source,
            description=description.strip(),
            opened_at=opened_at or timezone.now(),
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        events.publish(
            COMPLAINT_RECORDED,
            {"complaint_id": complaint.pk, "style_id": style.pk, "piece_id": piece.pk if piece else None, "kind": kind},
            aggregate=f"catalog.style:{style.pk}",
        )
        return complaint
