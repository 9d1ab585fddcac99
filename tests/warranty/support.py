"""Helpers: deliver what a block commits, read the warranty statements back from the log."""

from __future__ import annotations

from typing import Any

from auric.provenance import services as provenance
from auric.provenance.models import LogEntry, PartyKey
from auric.provenance.statements import parse_entry

WARRANTY_TYPES = ("warranty.issued", "warranty.cancelled", "warranty.redeemed", "service.performed")


def logged(*types: str) -> list[dict[str, Any]]:
    """The integrated statements of these types, each checked against its party's key."""
    provenance.integrate_all()
    keys = {k.key_id: bytes(k.public_key) for k in PartyKey.objects.all()}
    statements = []
    for entry in LogEntry.objects.filter(type__in=types or WARRANTY_TYPES).order_by("index"):
        signed = parse_entry(bytes(entry.entry))
        signed.verify(keys[signed.key_id])  # raises when the signature does not verify
        statements.append(signed.statement)
    return statements


def log_text() -> str:
    return b"\n".join(bytes(e.entry) for e in LogEntry.objects.all()).decode()


def book(user: Any, card: Any, *, kind: str = "cleaning", days_ahead: int = 1, channel: str = "store") -> Any:
    """A booking of the card's piece at the store the piece was sold from."""
    from datetime import timedelta

    from django.utils import timezone

    from auric.inventory.models import Location
    from auric.warranty import services

    store = Location.objects.filter(kind=Location.Kind.STORE).order_by("pk").first()
    assert store is not None
    return services.book_service(
        user=user,
        card_number=card.number,
        kind=kind,
        channel=channel,
        location_id=store.pk,
        requested_on=timezone.localdate() + timedelta(days=days_ahead),
    )


def perform(booking: Any, *, weight_in: str | None = None, weight_out: str | None = None) -> Any:
    """Intake, work and return, weighed at the piece's own weight unless told otherwise."""
    from auric.warranty import services

    weight = format(booking.card.piece.weight_g, "f")
    services.record_intake(reference=booking.reference, weight_in_g=weight_in or weight)
    services.start_work(reference=booking.reference)
    return services.record_return(reference=booking.reference, weight_out_g=weight_out or weight)
