"""What the rest of the platform tells the log, through the outbox.

Handled (by event name: provenance imports neither inventory nor orders):
  catalog.PieceRegistered     → piece.made (the declared attributes), signed by the platform, and
                                certificate.issued for its lab report, signed by the lab
  inventory.PieceReceived     → inventory.received, signed by the receiving warehouse or store
  inventory.TransferReceived  → inventory.transferred per piece, signed by the receiving location
  inventory.PieceSold         → piece.sold, signed by the selling location (no buyer data)
  inventory.PieceReturned     → piece.returned, signed by the location taking it back
  quality.InspectionPassed    → qc.passed, signed by the inspecting station (gate, verified values)
  quality.InspectionFailed    → qc.failed, the same with the reasons

Each statement's source is the event id and piece, so redelivery logs nothing twice. Statements
never carry personal data: the log can never be erased (SPEC S6, COMPLIANCE).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps

from auric.catalog.models import Piece
from auric.core import events
from auric.core.models import OutboxEvent
from auric.provenance import services

PIECE_REGISTERED = "catalog.PieceRegistered"
PIECE_RECEIVED = "inventory.PieceReceived"
PIECE_SOLD = "inventory.PieceSold"
PIECE_RETURNED = "inventory.PieceReturned"
TRANSFER_RECEIVED = "inventory.TransferReceived"
INSPECTION_PASSED = "quality.InspectionPassed"
INSPECTION_FAILED = "quality.InspectionFailed"


def _decimal_text(value: Any) -> str | None:
    return None if value is None else format(value, "f")


def declared_attributes(piece: Piece) -> dict[str, Any]:
    """What the brand declares about a piece when it is made (checked later by QC and labs)."""
    variant = piece.variant
    return {
        "style": piece.style.code,
        "metal": variant.metal,
        "fineness": variant.fineness,
        "weight_g": _decimal_text(piece.weight_g),
        "stones": [
            {
                "kind": stone.kind,
                "origin": stone.origin,
                "count": stone.count,
                "carat": _decimal_text(stone.carat),
                "colour": stone.colour,
                "clarity": stone.clarity,
            }
            for stone in piece.stones.all()
        ],
    }


def location_party(location_id: int) -> str:
    """The custodial party of a warehouse or store (registered on first use)."""
    location = apps.get_model("inventory", "Location").objects.get(pk=location_id)
    kind = "store" if location.kind == "store" else "warehouse"
    party_id = f"{kind}.{location.code.lower().replace('_', '-')}"
    services.ensure_party(party_id, kind=kind, name=location.name)
    return party_id


def _piece(piece_id: int) -> tuple[Piece, str]:
    piece = Piece.objects.select_related("style", "variant").get(pk=piece_id)
    return piece, services.piece_public_id(piece)


@events.handles(PIECE_REGISTERED)
def log_piece_made(event: OutboxEvent) -> None:
    """The declared attributes, and the lab report the piece was registered with (by its lab)."""
    piece, public_id = _piece(event.payload["piece_id"])
    services.record(
        "piece.made",
        party_id=services.PLATFORM,
        piece=public_id,
        data=declared_attributes(piece),
        source=f"event:{event.id}",
        at=event.occurred_at,
    )
    for certificate in piece.certificates.all():
        services.log_certificate(certificate)


def _location_statement(event: OutboxEvent, type_: str, **data: Any) -> None:
    _, public_id = _piece(event.payload["piece_id"])
    party = location_party(event.payload["location_id"])
    services.record(
        type_,
        party_id=party,
        piece=public_id,
        data={"location": party, **data},
        source=f"event:{event.id}",
        at=event.occurred_at,
    )


@events.handles(PIECE_RECEIVED)
def log_piece_received(event: OutboxEvent) -> None:
    _location_statement(event, "inventory.received")


@events.handles(PIECE_SOLD)
def log_piece_sold(event: OutboxEvent) -> None:
    _location_statement(event, "piece.sold")


@events.handles(PIECE_RETURNED)
def log_piece_returned(event: OutboxEvent) -> None:
    _location_statement(event, "piece.returned")


@events.handles(TRANSFER_RECEIVED)
def log_transfer_received(event: OutboxEvent) -> None:
    source_party = location_party(event.payload["from_location_id"])
    party = location_party(event.payload["to_location_id"])
    for piece_id in event.payload["piece_ids"]:
        _, public_id = _piece(piece_id)
        services.record(
            "inventory.transferred",
            party_id=party,
            piece=public_id,
            data={"from": source_party, "to": party},
            source=f"event:{event.id}:{piece_id}",
            at=event.occurred_at,
        )


def station_party(location_id: int) -> str:
    """The QC station at a warehouse or store: its own party and key, apart from the custodian's."""
    location = apps.get_model("inventory", "Location").objects.get(pk=location_id)
    party_id = f"qc.{location.code.lower().replace('_', '-')}"
    services.ensure_party(party_id, kind="qc_station", name=f"QC {location.name}")
    return party_id


@events.handles(INSPECTION_PASSED, INSPECTION_FAILED)
def log_inspection(event: OutboxEvent) -> None:
    """The gate's result as the station states it: the verified values, never who measured them."""
    inspection = apps.get_model("quality", "Inspection").objects.get(pk=event.payload["inspection_id"])
    _, public_id = _piece(inspection.piece_id)
    party = station_party(inspection.station_id)
    data: dict[str, Any] = {
        "gate": inspection.gate,
        "station": party,
        "measured": inspection.verified,
        "dual_verified": bool(event.payload.get("dual_verified")),
        "escalated": bool(event.payload.get("escalated")),
        "instruments": sorted({r.instrument_id for r in inspection.readings.all() if r.instrument_id}),
    }
    if inspection.reasons:
        data["reasons"] = [reason["code"] for reason in inspection.reasons]
    services.record(
        "qc.passed" if event.name == INSPECTION_PASSED else "qc.failed",
        party_id=party,
        piece=public_id,
        data=data,
        source=f"event:{event.id}",
        at=event.occurred_at,
    )
