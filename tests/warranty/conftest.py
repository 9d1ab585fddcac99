"""Warranty fixtures: a shopper with a paid order of pieces (its events delivered), a store."""

from __future__ import annotations

from decimal import Decimal

import pytest

from auric.core.money import Money
from auric.inventory.models import Location
from auric.orders.services import mark_paid, place_order
from auric.warranty.models import TermsEntitlement, WarrantyCard, WarrantyTerms
from auric.warranty.terms import seed_default_terms
from tests.checkout.conftest import (  # noqa: F401
    cart_of,
    gold_price,
    ship,
    shopper,
    stocked_piece,
    store,
)
from tests.factories import CategoryFactory, LocationFactory, UserFactory


@pytest.fixture
def other_shopper(db):
    return UserFactory(username="other-shopper")


@pytest.fixture
def warehouse(db):
    return LocationFactory(code="wh-main", kind=Location.Kind.WAREHOUSE, sells_online=True)


def ring_piece(location, *, price="300.00", weight="5.000"):
    """A fixed-price gold ring (rings get resizing once)."""
    piece = stocked_piece(location, fixed_price=price, weight=weight)
    style = piece.style
    style.category = CategoryFactory(slug="rings", name="戒指", name_en="Rings")
    style.save(update_fields=["category"])
    return piece


@pytest.fixture
def paid_order(shopper, store, cart_of, ship, django_capture_on_commit_callbacks):  # noqa: F811
    """A shopper's paid order of two pieces (a ring and a bangle), events delivered."""
    # Transactional tests empty every table afterwards, the terms the data migration wrote too.
    seed_default_terms(WarrantyTerms, TermsEntitlement)
    ring = ring_piece(store)
    bangle = stocked_piece(store, fixed_price="500.00", weight="20.000")
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(cart=cart_of(shopper, ring, bangle), user=shopper, delivery=ship)
    with django_capture_on_commit_callbacks(execute=True):
        mark_paid(order=order, payment_reference="pay-w-1", amount=Money(order.total, "CNY"))
    order.refresh_from_db()
    return order


@pytest.fixture
def ring_card(paid_order) -> WarrantyCard:
    return WarrantyCard.objects.get(order_line__order=paid_order, piece__style__category__slug="rings")


@pytest.fixture
def bangle_card(paid_order) -> WarrantyCard:
    return WarrantyCard.objects.exclude(piece__style__category__slug="rings").get(order_line__order=paid_order)


__all__ = ["Decimal", "ring_piece"]


@pytest.fixture
def counter(store):  # noqa: F811
    """Counter staff of the store (quote buybacks there)."""
    from auric.accounts import roles
    from tests.warranty.trade import staff_at

    return staff_at(store, "counter-zhou", roles.STORE_STAFF)


@pytest.fixture
def inspectors(store):  # noqa: F811
    """Two inspectors assigned to the store: an instrument reading and an independent person's."""
    from auric.accounts import roles
    from tests.warranty.trade import staff_at

    return staff_at(store, "qc-wang", roles.QC_INSPECTOR), staff_at(store, "qc-li", roles.QC_INSPECTOR)
