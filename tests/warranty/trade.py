"""Helpers for buyback, trade-in and claim tests: counter staff and inspectors at a store, a
customer's piece tested at a gate with two independent readings."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from auric.accounts import roles
from auric.inventory.models import Location
from auric.quality import services as quality
from auric.quality.models import Gate, Inspection, Reading
from tests.factories import UserFactory


def staff_at(store: Location, username: str, role: str) -> Any:
    """A user in a back-office role, assigned to the store (Location.staff)."""
    roles.ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    store.staff.add(user)
    return type(user).objects.get(pk=user.pk)  # fresh: the permission cache is per instance


def operator(username: str = "ops") -> Any:
    roles.ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    return type(user).objects.get(pk=user.pk)


def q(value: str, unit: str) -> dict[str, str]:
    return {"value": value, "unit": unit}


def inspected(
    piece: Any,
    station: Location,
    inspectors: tuple[Any, Any],
    *,
    gate: str = Gate.BUYBACK,
    weight: str = "5.003",
    fineness: str = "999.4",
    second_fineness: str | None = None,
) -> Inspection:
    """An inspection at the gate, decided by an instrument reading and an independent person's."""
    first, second = inspectors
    inspection = quality.open_inspection(piece=piece, gate=gate, station=station, actor=first)
    quality.record_reading(
        inspection=inspection,
        role=Reading.Role.INSTRUMENT,
        inspector=first,
        values={"weight": q(weight, "g"), "fineness": q(fineness, "‰")},
        instrument_id="XRF-1",
    )
    quality.record_reading(
        inspection=inspection,
        role=Reading.Role.PERSON,
        inspector=second,
        values={"fineness": q(second_fineness or fineness, "‰")},
    )
    inspection.refresh_from_db()
    return inspection
