"""Store personal values behind tokens, reveal them for a stated purpose, show masked forms."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import transaction

from auric.core.errors import NotFound, ValidationFailed
from auric.privacy.models import Kind, PersonalValue, Purpose, RevealLog

TOKEN_PREFIX = "pv_"  # noqa: S105 (a token prefix, not a secret)
MAX_TEXT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


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
    if kind == Kind.TAX_ID:
        text = str(value)
        return f"{text[:2]}{'*' * max(len(text) - 6, 2)}{text[-4:]}"
    raise ValidationFailed(errors={"kind": [f"Unknown kind of personal data: {kind}"]})


def _clean(kind: str, value: Any) -> Any:
    if kind == Kind.ADDRESS:
        if not isinstance(value, dict):
            raise ValidationFailed(errors={"address": ["An address is a set of named parts"]})
        cleaned = {}
        for key, part in value.items():
            if not isinstance(part, str) or len(part) > MAX_TEXT or _CONTROL.search(part):
                raise ValidationFailed(errors={f"address.{key}": ["Not a valid address part"]})
            cleaned[str(key)] = part.strip()
        return cleaned
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_TEXT or _CONTROL.search(value):
        raise ValidationFailed(errors={kind: ["Not a valid value"]})
    return value.strip()


def store(kind: str, value: Any) -> str:
    """Keep a personal value; returns the token commerce tables keep instead of it."""
    if kind not in Kind.values:
        raise ValidationFailed(errors={"kind": [f"Unknown kind of personal data: {kind}"]})
    cleaned = _clean(kind, value)
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    PersonalValue.objects.create(token=token, kind=kind, value=cleaned, masked=_mask(kind, cleaned))
    return token


def masked(token: str) -> str:
    row = PersonalValue.objects.filter(token=token).values_list("masked", flat=True).first()
    if row is None:
        raise NotFound("No such personal value")
    return row


def reveal(token: str, purpose: str, *, actor: Any = None) -> Any:
    """The value, for a stated purpose; every call is logged with who asked and why."""
    if purpose not in Purpose.values:
        raise ValidationFailed(errors={"purpose": [f"Unknown purpose: {purpose}"]})
    row = PersonalValue.objects.filter(token=token).first()
    if row is None:
        raise NotFound("No such personal value")
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    with transaction.atomic():
        RevealLog.objects.create(
            token=token,
            kind=row.kind,
            purpose=purpose,
            actor_label=(actor.get_username() if is_user else str(actor or "system"))[:150],
        )
    return row.value
