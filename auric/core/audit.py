"""Audit log of staff changes: who, what, before/after, when, and why.

Services call `record_change()` inside their transaction; the entry commits with the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import models

from auric.core.models import AuditEntry


def snapshot(obj: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields of a row as JSON-ready values (foreign keys by id)."""
    values: dict[str, Any] = {}
    for name in fields:
        field = obj._meta.get_field(name)
        attname = getattr(field, "attname", name)
        value = getattr(obj, attname)
        values[name] = value if value is None or isinstance(value, (int, bool)) else str(value)
    return values


def record_change(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str = "",
) -> AuditEntry | None:
    """Record one change; nothing is written when before and after are equal."""
    if before is not None and after is not None and dict(before) == dict(after):
        return None
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else str(actor or "system"))[:150],
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_label=str(obj)[:200],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        reason=reason[:300],
    )
