"""The personal-data vault: store values behind tokens, reveal them for an allowed purpose, find by value.

`store` validates a value, splits it into segments (identity, contact, address area, street), seals
each under its own data key (see `crypto`), and indexes it for exact lookups (blind index); the
commerce side keeps only the token and the masked form. `reveal` checks the purpose against the
actor's role (`access`), logs every attempt, and fails loudly — revealing nothing — when a row does
not verify. `erase` shreds a value: its data keys and rows are destroyed, the masked form says so.
All of it runs on the `vault` database alias (`routers.VaultRouter`).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from auric.core import sql
from auric.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from auric.privacy import access, crypto
from auric.privacy.keys import index_key, key_provider
from auric.privacy.models import (
    SEGMENT_MODELS,
    BlindIndex,
    Kind,
    PersonalValue,
    Purpose,
    RevealLog,
    Segment,
)

logger = logging.getLogger("auric.privacy")

TOKEN_PREFIX = "pv_"  # noqa: S105 (a token prefix, not a secret)
SEGMENT_PREFIX = "sg_"
MAX_TEXT = 300
ERASED = "erased"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ID_NUMBER = re.compile(r"[A-Z0-9]{5,32}")
_BASE32_SECRET = re.compile(r"[A-Z2-7]{16,128}")

# Which segment keeps each kind; an address is split part by part (ADDRESS_PART_SEGMENTS).
KIND_SEGMENTS: dict[str, str] = {
    Kind.NAME: Segment.IDENTITY,
    Kind.ID_NUMBER: Segment.IDENTITY,
    Kind.BIRTHDAY: Segment.IDENTITY,
    Kind.TAX_ID: Segment.IDENTITY,
    Kind.PHONE: Segment.CONTACT,
    Kind.EMAIL: Segment.CONTACT,
    Kind.TOTP_SECRET: Segment.IDENTITY,
}
ADDRESS_PART_SEGMENTS: dict[str, str] = {
    **dict.fromkeys(("country", "region", "province", "city", "district", "postcode"), Segment.AREA),
    **dict.fromkeys(("name", "recipient"), Segment.IDENTITY),
    **dict.fromkeys(("phone", "mobile", "email"), Segment.CONTACT),
}
# Kinds with a blind index (exact lookups). Birthdays and addresses are not looked up by value.
INDEXED_KINDS = frozenset({Kind.NAME, Kind.PHONE, Kind.EMAIL, Kind.TAX_ID, Kind.ID_NUMBER})


class RevealRefused(PermissionDenied):
    code = "reveal_refused"
    title = "This purpose does not allow revealing personal data to you"


class ValueErased(DomainError):
    status = 410
    code = "personal_value_erased"
    title = "This personal value was erased"


class VaultIntegrityError(DomainError):
    status = 500
    code = "vault_integrity"
    title = "A stored personal value failed its integrity check"


def vault_alias() -> str:
    return "vault" if "vault" in settings.DATABASES else "default"


# --- masks and validation ---------------------------------------------------------------------------


def mask_phone(phone: str) -> str:
    """138****5678: keep the first three and last four digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_name(name: str) -> str:
    """张** / J*** D**: the first character of each part."""
    parts = name.split()
    if len(parts) <= 1:
        return name[:1] + "*" * max(len(name) - 1, 1)
    return " ".join(p[:1] + "*" * max(len(p) - 1, 1) for p in parts)


def mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def mask_document(text: str) -> str:
    """31************1234: the first two and last four characters."""
    return f"{text[:2]}{'*' * max(len(text) - 6, 2)}{text[-4:]}"


def _mask(kind: str, value: Any) -> str:
    if kind == Kind.PHONE:
        return mask_phone(str(value))
    if kind == Kind.NAME:
        return mask_name(str(value))
    if kind == Kind.EMAIL:
        return mask_email(str(value))
    if kind == Kind.ADDRESS:
        # Region and city are what a parcel label shows anyway; the street stays hidden.
        return " ".join(str(value.get(k, "")) for k in ("region", "city", "district") if value.get(k)) + " ****"
    if kind in (Kind.TAX_ID, Kind.ID_NUMBER):
        return mask_document(str(value))
    if kind == Kind.BIRTHDAY:
        return f"{str(value)[:2]}**-**-**"
    if kind == Kind.TOTP_SECRET:
        return "********"  # nothing of a shared secret is shown, not even its length
    raise ValidationFailed(errors={"kind": [f"Unknown kind of personal data: {kind}"]})


def _clean_text(kind: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or _CONTROL.search(value):
        raise ValidationFailed(errors={kind: ["Not a valid value"]})
    return value.strip()


def _clean(kind: str, value: Any) -> Any:
    if kind == Kind.ADDRESS:
        if not isinstance(value, dict) or not value:
            raise ValidationFailed(errors={"address": ["An address is a set of named parts"]})
        cleaned = {}
        for key, part in value.items():
            if not isinstance(part, str) or len(part) > MAX_TEXT or _CONTROL.search(part):
                raise ValidationFailed(errors={f"address.{key}": ["Not a valid address part"]})
            cleaned[str(key)] = part.strip()
        return cleaned
    if kind == Kind.BIRTHDAY:
        if isinstance(value, dt.date):
            value = value.isoformat()
        try:
            day = dt.date.fromisoformat(_clean_text(kind, value))
        except ValueError:
            raise ValidationFailed(errors={kind: ["A birthday is a date (YYYY-MM-DD)"]}) from None
        if day > timezone.localdate() or day.year < 1900:
            raise ValidationFailed(errors={kind: ["Not a possible birthday"]})
        return day.isoformat()
    if kind == Kind.ID_NUMBER:
        text = crypto.normalise(kind, _clean_text(kind, value))
        if not _ID_NUMBER.fullmatch(text):
            raise ValidationFailed(errors={kind: ["An identity-document number is 5–32 letters and digits"]})
        return text
    if kind == Kind.TOTP_SECRET:
        text = _clean_text(kind, value)
        if not _BASE32_SECRET.fullmatch(text):
            raise ValidationFailed(errors={kind: ["An authenticator secret is base32 text"]})
        return text
    return _clean_text(kind, value)


def _segments(kind: str, value: Any) -> dict[str, list[list[Any]]]:
    """Parts per segment, each part [position, name, value] so reveal rebuilds the original order."""
    if kind != Kind.ADDRESS:
        return {KIND_SEGMENTS[kind]: [[0, "", value]]}
    split: dict[str, list[list[Any]]] = {}
    for position, (name, part) in enumerate(value.items()):
        split.setdefault(ADDRESS_PART_SEGMENTS.get(name, Segment.STREET), []).append([position, name, part])
    return split


# --- the interface ------------------------------------------------------------------------------


def store(kind: str, value: Any) -> str:
    """Keep a personal value; returns the token commerce tables keep instead of it."""
    return store_masked(kind, value)[0]


def store_masked(kind: str, value: Any) -> tuple[str, str]:
    """Keep a personal value; (token, masked form) — the masked form without reading it back."""
    return store_many([(kind, value)])[0]


def store_many(items: Sequence[tuple[str, Any]]) -> list[tuple[str, str]]:
    """Keep several values (a parcel's address, phone and recipient) in one vault transaction: one
    insert per table rather than per value. [(token, masked form)] in the order given."""
    cleaned_items = []
    for kind, value in items:
        if kind not in Kind.values:
            raise ValidationFailed(errors={"kind": [f"Unknown kind of personal data: {kind}"]})
        cleaned_items.append((kind, _clean(kind, value)))
    provider = key_provider()
    records: list[PersonalValue] = []
    segments: dict[str, list[Any]] = {}
    indexes: list[BlindIndex] = []
    for kind, cleaned in cleaned_items:
        token = TOKEN_PREFIX + secrets.token_urlsafe(24)
        record = PersonalValue(token=token, kind=kind, masked=_mask(kind, cleaned))
        records.append(record)
        for segment, parts in _segments(kind, cleaned).items():
            segment_token = SEGMENT_PREFIX + secrets.token_urlsafe(24)
            aad = crypto.associated_data(kind=kind, segment=segment, owner=token, segment_token=segment_token)
            sealed = crypto.seal(parts, aad=aad, provider=provider)
            segments.setdefault(segment, []).append(
                SEGMENT_MODELS[segment](
                    token=segment_token,
                    record=record,
                    ciphertext=sealed.ciphertext,
                    wrapped_key=sealed.wrapped_key,
                    kek_id=sealed.kek_id,
                )
            )
        if kind in INDEXED_KINDS:
            indexes.append(
                BlindIndex(kind=kind, digest=crypto.blind_digest(kind, cleaned, key=index_key()), record=record)
            )
    # One statement on PostgreSQL: the vault is another database, so each round trip counts twice.
    sql.insert_all([records, *segments.values(), indexes], using=vault_alias())
    return [(record.token, record.masked) for record in records]


def masked(token: str) -> str:
    row = PersonalValue.objects.filter(token=token).values_list("masked", flat=True).first()
    if row is None:
        raise NotFound("No such personal value")
    return row


def _log(token: str, kind: str, purpose: str, actor: access.Actor, role: str | None, outcome: str, reason: str = ""):
    RevealLog.objects.create(
        token=token[:40],
        kind=kind,
        purpose=purpose[:24],
        actor_label=actor.label,
        actor_role=role or ",".join(sorted(actor.roles))[:40],
        outcome=outcome,
        reason=reason[:200],
    )


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    """The value, for a purpose the actor's role allows; every attempt is logged with who and why."""
    who = access.resolve_actor(actor)
    record = PersonalValue.objects.filter(token=token).first()
    kind = record.kind if record else ""
    if purpose not in Purpose.values:
        _log(token, kind, purpose, who, None, RevealLog.Outcome.REFUSED, "unknown purpose")
        logger.warning("vault: %s asked for %s with an unknown purpose %r", who.label, token, purpose)
        raise ValidationFailed(errors={"purpose": [f"Unknown purpose: {purpose}"]})
    role = access.allowed_role(purpose, who)
    if role is None:
        _log(token, kind, purpose, who, None, RevealLog.Outcome.REFUSED, "role not allowed this purpose")
        logger.warning("vault: %s may not reveal for %s (token %s)", who.label, purpose, token)
        raise RevealRefused(f"Revealing personal data to {who.label} for {purpose} is not allowed")
    if record is None:
        raise NotFound("No such personal value")
    if record.erased_at is not None:
        _log(token, kind, purpose, who, role, RevealLog.Outcome.ERASED)
        raise ValueErased()
    try:
        value = _decrypt(record)
    except crypto.IntegrityFailure as error:
        _log(token, kind, purpose, who, role, RevealLog.Outcome.FAILED, str(error))
        logger.error("vault: %s value %s failed its integrity check: %s", kind, token, error)
        raise VaultIntegrityError() from None
    _log(token, kind, purpose, who, role, RevealLog.Outcome.REVEALED)
    return value


def _decrypt(record: PersonalValue) -> Any:
    provider = key_provider()
    parts: list[list[Any]] = []
    for segment, model in SEGMENT_MODELS.items():
        for row in model.objects.filter(record=record):
            aad = crypto.associated_data(kind=record.kind, segment=segment, owner=record.token, segment_token=row.token)
            sealed = crypto.Sealed(
                ciphertext=bytes(row.ciphertext), wrapped_key=bytes(row.wrapped_key), kek_id=row.kek_id
            )
            opened = crypto.open_sealed(sealed, aad=aad, provider=provider)
            if not isinstance(opened, list):
                raise crypto.IntegrityFailure("unexpected segment contents")
            parts.extend(opened)
    if not parts:
        raise crypto.IntegrityFailure("no segments left")
    parts.sort(key=lambda part: part[0])
    if record.kind == Kind.ADDRESS:
        return {name: part for _, name, part in parts}
    return parts[0][2]


def find(kind: str, value: Any) -> list[str]:
    """Tokens of the stored values equal to `value` (after normalising), by blind index — nothing is decrypted."""
    if kind not in INDEXED_KINDS:
        raise ValidationFailed(errors={"kind": [f"Personal data of kind {kind} cannot be looked up by value"]})
    try:
        cleaned = _clean(kind, value)
    except ValidationFailed:
        return []
    digest = crypto.blind_digest(kind, cleaned, key=index_key())
    return list(
        BlindIndex.objects.filter(kind=kind, digest=digest, record__erased_at__isnull=True)
        .order_by("record__created_at")
        .values_list("record_id", flat=True)
    )


def erase(token: str) -> None:
    """Crypto-shreds a value (data-subject deletion): its data keys, ciphertexts and index rows are destroyed."""
    if transaction.get_connection(vault_alias()).needs_rollback:
        return  # the vault shares a transaction that is rolling back (no separate vault database)
    with transaction.atomic(using=vault_alias()):
        record = PersonalValue.objects.select_for_update().filter(token=token).first()
        if record is None:
            raise NotFound("No such personal value")
        for model in SEGMENT_MODELS.values():
            model.objects.filter(record=record).delete()
        BlindIndex.objects.filter(record=record).delete()
        if record.erased_at is None:
            record.masked, record.erased_at = ERASED, timezone.now()
            record.save(update_fields=["masked", "erased_at"])
    logger.info("vault: erased %s value %s", record.kind, token)


@dataclass(frozen=True)
class AccessEntry:
    at: dt.datetime
    token: str
    kind: str
    purpose: str
    purpose_label: str
    actor: str
    role: str
    outcome: str


def access_log_for(tokens: Iterable[str], *, include_refused: bool = False) -> list[AccessEntry]:
    """Who read these values, in which role, why and when (newest first) — for the owner's account page."""
    rows = RevealLog.objects.filter(token__in=list(tokens))
    if not include_refused:
        rows = rows.filter(outcome=RevealLog.Outcome.REVEALED)
    labels = dict(Purpose.choices)
    return [
        AccessEntry(
            at=row.at,
            token=row.token,
            kind=row.kind,
            purpose=row.purpose,
            purpose_label=str(labels.get(row.purpose, row.purpose)),
            actor=row.actor_label,
            role=row.actor_role,
            outcome=row.outcome,
        )
        for row in rows.order_by("-at", "-id")
    ]
