"""Quality fixtures: a warehouse with a QC station, inspectors assigned to it, an 18K diamond ring."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from auric.accounts import roles
from auric.accounts.roles import ensure_roles
from auric.catalog.models import Piece
from auric.inventory import services as inventory
from auric.inventory.models import Location
from tests.factories import LocationFactory, PieceFactory, StoneFactory, UserFactory, VariantFactory


@pytest.fixture(autouse=True)
def _gates_on(settings):
    settings.AURIC_QC_INBOUND_GATE = True
    settings.AURIC_QC_OUTBOUND_GATE = True


@pytest.fixture
def station() -> Location:
    return LocationFactory(code="wh-sz", name="深圳质检仓", kind=Location.Kind.WAREHOUSE, sells_online=True)


def _inspector(username: str, station: Location, role: str):
    """A user in an inspector role, assigned to the station (Location.staff)."""
    ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    station.staff.add(user)
    return type(user).objects.get(pk=user.pk)  # fresh: the permission cache is per instance


@pytest.fixture
def first_inspector(station):
    return _inspector("qc-wang", station, roles.QC_INSPECTOR)


@pytest.fixture
def second_inspector(station):
    return _inspector("qc-li", station, roles.QC_INSPECTOR)


@pytest.fixture
def senior(station):
    return _inspector("qc-chen", station, roles.SENIOR_INSPECTOR)


@pytest.fixture
def ring() -> Piece:
    """An 18K (750‰) gold ring of 3.512 g with a 0.31 ct F VS1 diamond, received for inspection."""
    piece = PieceFactory(
        variant=VariantFactory(metal="gold", fineness=750), weight_g=Decimal("3.512"), price=Decimal("8800.00")
    )
    StoneFactory(piece=piece, carat=Decimal("0.31"), colour="F", clarity="VS1")
    return piece


@pytest.fixture
def received_ring(ring, station) -> Piece:
    inventory.receive_piece(piece=ring, location=station, reference="PO-2026-118")
    return ring


def q(value: str, unit: str) -> dict[str, str]:
    return {"value": value, "unit": unit}


# A reading that matches the ring's declaration.
GOOD_INSTRUMENT = {
    "weight": q("3.515", "g"),
    "fineness": q("751.2", "‰"),
    "carat": q("0.31", "ct"),
    "colour": "F",
    "clarity": "VS1",
    "stone_count": 1,
}
GOOD_PERSON = {"fineness": q("75.02", "%"), "carat": q("0.31", "ct"), "clarity": "VS1"}
