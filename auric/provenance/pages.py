"""Reads for the public provenance pages: a piece's history by its tag, and the certificate check.

Nothing here writes: an unknown tag (or a piece with nothing logged yet) is simply absent, so the
piece page answers both the same way and cannot be used to learn which tags exist. The timeline is
read from the entries' bytes; the page's script then verifies those bytes in the shopper's browser
and renders the timeline again from what it verified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.utils.translation import gettext_lazy as _

from auric.catalog.models import Piece, Style
from auric.provenance import selectors
from auric.provenance.models import LogEntry, Party, PieceRecord
from auric.provenance.services import CertificateCheck, certificate_data
from auric.provenance.statements import StatementError, parse_entry

# How the timeline names each statement type (the browser gets the same labels).
TYPE_LABELS: Mapping[str, Any] = {
    "piece.origin": _("Origin"),
    "piece.cut": _("Cutting"),
    "piece.made": _("Made"),
    "certificate.issued": _("Certificate issued"),
    "qc.passed": _("Quality check passed"),
    "qc.failed": _("Quality check failed"),
    "inventory.received": _("Received"),
    "inventory.transferred": _("Transferred"),
    "piece.sold": _("Sold"),
    "piece.returned": _("Returned"),
    "warranty.issued": _("Warranty issued"),
    "warranty.redeemed": _("Warranty service"),
    "warranty.cancelled": _("Warranty cancelled"),
    "ownership.transferred": _("Ownership transferred"),
    "service.performed": _("Service"),
    "inspection.attached": _("Inspection report"),
    "piece.bought_back": _("Bought back"),
    "guarantee.claimed": _("Guarantee claim filed"),
    "guarantee.decided": _("Guarantee claim decided"),
    "guarantee.compensated": _("Guarantee compensation paid"),
    "party.registered": _("Party registered"),
    "party.key_added": _("Key added"),
    "party.key_revoked": _("Key revoked"),
}
# Names of the data fields statements carry; anything else is shown by its own name.
FIELD_LABELS: Mapping[str, Any] = {
    "style": _("Style"),
    "metal": _("Metal"),
    "fineness": _("Fineness"),
    "weight_g": _("Weight (g)"),
    "stones": _("Stones"),
    "lab": _("Lab"),
    "number": _("Report number"),
    "issued_on": _("Issued on"),
    "grades": _("Grades"),
    "location": _("Store or warehouse"),
    "from": _("From"),
    "to": _("To"),
    "commitment": _("Owner commitment"),
    "report_sha256": _("Report file SHA-256"),
    "origin": _("Origin"),
    "country": _("Country"),
    "result": _("Result"),
    "service": _("Service"),
    "until": _("Valid until"),
    "reason": _("Reason"),
    "gate": _("Inspection"),
    "station": _("QC station"),
    "measured": _("Measured"),
    "dual_verified": _("Read twice, independently"),
    "escalated": _("Decided by a senior inspector"),
    "instruments": _("Instruments"),
    "reasons": _("Failed on"),
}


# Fields whose value is a party id (a warehouse or store), shown by the party's name.
PARTY_FIELDS = frozenset({"location", "from", "to", "station"})


def format_value(value: Any) -> str:
    """A data value as one line of text; the page's script formats verified values the same way."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(format_value(item) for item in value)
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_value(value[key])}" for key in sorted(value))
    return str(value)


def summarise(data: Mapping[str, Any], names: Mapping[str, str] | None = None) -> list[tuple[str, str]]:
    """Label and text of each data field, in key order; party ids shown by the party's name."""
    names = names or {}
    return [
        (
            str(FIELD_LABELS.get(key, key)),
            names.get(data[key], data[key])
            if key in PARTY_FIELDS and isinstance(data[key], str)
            else format_value(data[key]),
        )
        for key in sorted(data)
    ]


@dataclass(frozen=True)
class TimelineItem:
    index: int
    type: str
    label: str
    party_id: str
    party_name: str
    time: datetime | None
    summary: list[tuple[str, str]]
    certificate_query: str = ""  # ?lab=…&number=… of the certificate check, for a certificate entry


@dataclass(frozen=True)
class PieceHistory:
    piece: Piece
    public_id: str
    items: list[TimelineItem]
    tree_size: int


def _time(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def _statement(entry: LogEntry) -> dict[str, Any]:
    try:
        return parse_entry(bytes(entry.entry)).statement
    except StatementError:
        # A damaged row: show what the index says; the browser's check will flag it.
        return {"type": entry.type, "party": entry.party, "time": "", "data": {}}


def _party_ids(statement: Mapping[str, Any]) -> set[str]:
    data = statement["data"]
    return {str(statement["party"])} | {str(data[f]) for f in PARTY_FIELDS if isinstance(data.get(f), str)}


def _item(index: int, statement: Mapping[str, Any], names: Mapping[str, str]) -> TimelineItem:
    type_ = str(statement["type"])
    party = str(statement["party"])
    data = statement["data"]
    return TimelineItem(
        index=index,
        type=type_,
        label=str(TYPE_LABELS.get(type_, type_)),
        party_id=party,
        party_name=names.get(party, party),
        time=_time(str(statement["time"])),
        summary=summarise(data, names),
        certificate_query=_certificate_query(type_, data),
    )


def _certificate_query(type_: str, data: Mapping[str, Any]) -> str:
    if type_ != "certificate.issued" or not data.get("lab") or not data.get("number"):
        return ""
    return urlencode({"lab": str(data["lab"]), "number": str(data["number"])})


def party_names(party_ids: Iterable[str]) -> dict[str, str]:
    return dict(Party.objects.filter(party_id__in=set(party_ids)).values_list("party_id", "name"))


def piece_history(tag: str) -> PieceHistory | None:
    """The piece with this tag and its logged history, or None (unknown, or nothing logged yet)."""
    record = PieceRecord.objects.select_related("piece", "piece__style").filter(piece__tag_code=tag).first()
    checkpoint = selectors.latest_checkpoint()
    if record is None or checkpoint is None:
        return None
    entries = [e for e in selectors.entries_of_piece(record.public_id) if e.index < checkpoint.size]
    if not entries:
        return None
    statements = [(e.index, _statement(e)) for e in entries]
    names = party_names(party for _, statement in statements for party in _party_ids(statement))
    return PieceHistory(
        piece=record.piece,
        public_id=record.public_id,
        items=[_item(index, statement, names) for index, statement in statements],
        tree_size=checkpoint.size,
    )


def has_public_history(tag: str) -> bool:
    """Whether the tag's page exists (the same rule as `piece_history`, in one query)."""
    public_ids = PieceRecord.objects.filter(piece__tag_code=tag).values("public_id")
    return LogEntry.objects.filter(piece__in=public_ids).exists()


def is_product_slug(text: str) -> bool:
    return Style.objects.filter(slug=text).exists()


def pieces_for_labels(piece_ids: Iterable[int]) -> list[Piece]:
    return list(Piece.objects.select_related("style").filter(pk__in=set(piece_ids)).order_by("serial_number"))


@dataclass(frozen=True)
class FieldComparison:
    label: str
    logged: str
    today: str
    differs: bool


def certificate_comparison(check: CertificateCheck) -> list[FieldComparison]:
    """Each field of the report as logged beside today's record (empty when nothing is logged)."""
    if check.entry is None:
        return []
    try:
        logged = parse_entry(bytes(check.entry.entry)).statement["data"]
    except StatementError:
        logged = {}
    today = certificate_data(check.certificate)
    return [
        FieldComparison(
            label=str(FIELD_LABELS.get(field, field)),
            logged=format_value(logged.get(field)),
            today=format_value(today.get(field)),
            differs=logged.get(field) != today.get(field),
        )
        for field in [*today, *(f for f in logged if f not in today)]
    ]


def tag_with_history(check: CertificateCheck) -> str | None:
    """The certificate's piece's tag when its history page exists."""
    exists = LogEntry.objects.filter(piece=check.piece).exists()
    return check.certificate.piece.tag_code if exists else None
