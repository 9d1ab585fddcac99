"""Ownership of pieces: salted commitments in the log, resale transfers, proofs of ownership.

The log never names an owner. When a piece is paid for (or claimed in a resale) the new owner is
logged as ``SHA-256(domain ‖ piece ‖ salt ‖ HMAC(account secret, piece))``: only the account can
open it (showing salt and the per-piece secret, which reveal nothing about its other pieces).
Deleting the account deletes its secret and the salts, so its commitments can never be opened —
or linked to it — again.

A resale: the owner asks for a one-time transfer code and hands it to the buyer, who claims the
piece with it; the transfer is logged as a new commitment. Warranty follows the piece (its cards
will belong to whoever is the current owner here).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog.models import Piece
from auric.core import events
from auric.core.errors import Conflict, NotFound, ValidationFailed
from auric.core.models import OutboxEvent
from auric.core.transactions import service_transaction
from auric.provenance import services
from auric.provenance.models import OwnerSecret, Ownership, PieceRecord
from auric.provenance.statements import owner_commitment

TRANSFER_CODE_DAYS = 7


class TransferRefused(Conflict):
    code = "transfer_refused"
    title = gettext_noop("The piece cannot be transferred")


def _account_secret(user: Any) -> bytes:
    secret, _ = OwnerSecret.objects.get_or_create(user=user, defaults={"secret": os.urandom(32)})
    return bytes(secret.secret)


def piece_secret(user: Any, public_id: str) -> bytes:
    """The secret behind one piece's commitment: opening it reveals nothing about other pieces."""
    return hmac.new(_account_secret(user), public_id.encode(), hashlib.sha256).digest()


def _commit(user: Any, record: PieceRecord, *, source: str, reason: str) -> Ownership:
    """End the current ownership, start the user's, and log the new commitment (once per source)."""
    existing = Ownership.objects.filter(source=source).first()
    if existing is not None:
        return existing
    now = timezone.now()
    previous = Ownership.objects.select_for_update().filter(piece=record, until__isnull=True).first()
    if previous is not None:
        previous.until = now
        previous.transfer_code_hash, previous.transfer_expires_at = "", None
        previous.save(update_fields=["until", "transfer_code_hash", "transfer_expires_at"])
    salt = os.urandom(16)
    commitment = owner_commitment(piece_secret(user, record.public_id), record.public_id, salt)
    ownership = Ownership.objects.create(
        piece=record, owner=user, salt=salt, commitment=commitment, since=now, source=source
    )
    services.record(
        "ownership.transferred",
        party_id=services.PLATFORM,
        piece=record.public_id,
        data={"from": previous.commitment if previous else None, "to": commitment, "reason": reason},
        source=source,
        at=now,
    )
    if reason == "resale":
        # Whoever keeps something per owner (the warranty cards) follows the piece to its new owner.
        events.publish(
            "provenance.OwnershipTransferred",
            {"piece_id": record.piece_id, "public_id": record.public_id, "reason": reason, "owner_id": user.pk},
            aggregate=f"provenance.piece:{record.public_id}",
        )
    return ownership


def _record_of(public_id: str) -> PieceRecord:
    record = PieceRecord.objects.filter(public_id=public_id).first()
    if record is None:
        raise NotFound("No such piece in the log")
    return record


def _current(record: PieceRecord, user: Any) -> Ownership:
    current = Ownership.objects.select_for_update().filter(piece=record, until__isnull=True).first()
    if current is None or current.owner_id != user.pk:
        raise NotFound("You own no such piece")  # as for a piece that does not exist
    return current


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


@dataclass(frozen=True)
class TransferCode:
    code: str
    expires_at: Any


def start_transfer(*, user: Any, public_id: str) -> TransferCode:
    """A one-time code for a buyer to claim the piece (a new code replaces the previous one)."""
    with service_transaction():
        current = _current(_record_of(public_id), user)
        code = secrets.token_urlsafe(12)
        current.transfer_code_hash = _code_hash(code)
        current.transfer_expires_at = timezone.now() + timedelta(days=TRANSFER_CODE_DAYS)
        current.save(update_fields=["transfer_code_hash", "transfer_expires_at"])
        return TransferCode(code=code, expires_at=current.transfer_expires_at)


def claim_transfer(*, user: Any, public_id: str, code: str) -> Ownership:
    """The buyer claims the piece with the owner's code; the transfer is logged as a new commitment."""
    with service_transaction():
        record = _record_of(public_id)
        current = Ownership.objects.select_for_update().filter(piece=record, until__isnull=True).first()
        if current is None or not current.transfer_code_hash:
            raise TransferRefused("The owner has not offered this piece for transfer")
        if current.transfer_expires_at is None or current.transfer_expires_at <= timezone.now():
            raise TransferRefused("The transfer code has expired; ask the owner for a new one")
        if not hmac.compare_digest(current.transfer_code_hash, _code_hash(code)):
            raise ValidationFailed("The transfer code is wrong", errors={"code": ["does not match"]})
        if current.owner_id == user.pk:
            raise TransferRefused("You own this piece already")
        return _commit(user, record, source=f"transfer:{current.pk}", reason="resale")


def ownership_proof(*, user: Any, public_id: str) -> dict[str, str]:
    """What the owner shows to prove ownership: anyone can recompute the logged commitment."""
    record = _record_of(public_id)
    current = Ownership.objects.filter(piece=record, until__isnull=True, owner=user).first()
    if current is None:
        raise NotFound("You own no such piece")
    return {
        "piece": public_id,
        "commitment": current.commitment,
        "salt": base64.b64encode(bytes(current.salt)).decode(),
        "secret": base64.b64encode(piece_secret(user, public_id)).decode(),
    }


def pieces_owned_by(user: Any) -> list[Ownership]:
    return list(Ownership.objects.filter(owner=user, until__isnull=True).select_related("piece"))


@events.handles("orders.OrderPaid")
def commit_buyer_of_paid_order(event: OutboxEvent) -> None:
    """A paid order makes its buyer the owner of each piece in it."""
    order = apps.get_model("orders", "Order").objects.filter(pk=event.payload.get("order_id")).first()
    if order is None or order.user_id is None:
        return
    for piece in Piece.objects.filter(order_lines__order_id=order.pk).distinct():
        record = PieceRecord.objects.filter(piece=piece).first()
        if record is None:
            services.piece_public_id(piece)
            record = PieceRecord.objects.get(piece=piece)
        with service_transaction():
            _commit(order.user, record, source=f"event:{event.id}:{piece.pk}", reason="sale")


@events.handles("accounts.AccountDeleted")
def forget_deleted_owner(event: OutboxEvent) -> None:
    """The account's commitments stay in the log but can never be opened or linked to it again."""
    user_id = event.payload.get("user_id")
    if not isinstance(user_id, int):
        return
    with service_transaction():
        OwnerSecret.objects.filter(user_id=user_id).delete()
        Ownership.objects.filter(owner_id=user_id).update(owner=None, salt=b"", transfer_code_hash="")


def end_ownership(*, piece_id: Any, source: str, reason: str) -> Ownership | None:
    """End the current ownership of a piece the brand takes back (a return, a buyback, a trade-in),
    logged once per source as a transfer to nobody. Joins the caller's transaction."""
    record = PieceRecord.objects.filter(piece_id=piece_id).first() if isinstance(piece_id, int) else None
    if record is None:
        return None
    with service_transaction():
        current = Ownership.objects.select_for_update().filter(piece=record, until__isnull=True).first()
        if current is None:
            return None
        now = timezone.now()
        current.until = now
        current.transfer_code_hash, current.transfer_expires_at = "", None
        current.save(update_fields=["until", "transfer_code_hash", "transfer_expires_at"])
        services.record(
            "ownership.transferred",
            party_id=services.PLATFORM,
            piece=record.public_id,
            data={"from": current.commitment, "to": None, "reason": reason},
            source=source,
            at=now,
        )
        return current


@events.handles("inventory.PieceReturned")
def end_ownership_of_returned_piece(event: OutboxEvent) -> None:
    """A piece taken back (a return) belongs to nobody outside the brand again."""
    end_ownership(piece_id=event.payload.get("piece_id"), source=f"event:{event.id}:owner", reason="returned")
