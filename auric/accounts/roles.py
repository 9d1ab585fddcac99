"""Back-office roles as Django groups, and the store scope of store staff.

Two roles exist. *Operators* run the catalog, the price book and the stock (including CSV
imports). *Store staff* see only the stock of the stores they are assigned to (`Location.staff`)
and change nothing in the catalog or the price book. `ensure_roles()` writes the groups and their
permissions and is safe to run any number of times (`manage.py ensure_roles`).

Permissions are named by "app_label.codename" strings so this module imports no other app.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

OPERATOR = "operator"
STORE_STAFF = "store staff"

_CRUD = ("view", "add", "change")

OPERATOR_PERMISSIONS: tuple[str, ...] = (
    *(
        f"catalog.{action}_{model}"
        for model in ("category", "collection", "style", "variant", "piece")
        for action in _CRUD
    ),
    *(f"catalog.{action}_{model}" for model in ("stone", "certificate", "mediaasset") for action in _CRUD),
    "catalog.view_tag",
    "catalog.add_tag",
    "catalog.change_tag",
    *(f"pricing.{action}_metalprice" for action in _CRUD),
    *(f"pricing.{action}_flashprice" for action in (*_CRUD, "delete")),
    "pricing.view_pricechange",
    *(f"inventory.{action}_{model}" for model in ("location", "transfer", "stocklevel") for action in _CRUD),
    "inventory.view_piecestock",
    "inventory.view_stockmovement",
    "inventory.view_reservation",
    "core.view_auditentry",
    "core.view_outboxevent",
    "core.view_handlerrun",
    # Orders: manage them (every change through orders/payments services), refund, read payments.
    "orders.view_order",
    "orders.change_order",
    "payments.view_payment",
    "payments.view_refund",
    "payments.add_refund",
    "payments.view_providercallback",
)

STORE_STAFF_PERMISSIONS: tuple[str, ...] = (
    "inventory.view_location",
    "inventory.view_piecestock",
    "inventory.view_stockmovement",
    "inventory.view_reservation",
    "inventory.view_transfer",
    "inventory.view_stocklevel",
    # To look a piece up by serial or tag at the counter; no catalog or price edits.
    "catalog.view_style",
    "catalog.view_variant",
    "catalog.view_piece",
    # Pickup orders of their own stores only (the order admin scopes by pickup_location).
    "orders.view_order",
)

ROLES: dict[str, tuple[str, ...]] = {OPERATOR: OPERATOR_PERMISSIONS, STORE_STAFF: STORE_STAFF_PERMISSIONS}

# Who may run the CSV imports: the permission each import needs.
PIECE_IMPORT_PERMISSION = "catalog.add_piece"
METAL_PRICE_IMPORT_PERMISSION = "pricing.add_metalprice"


def _permissions(names: Iterable[str]) -> list[Permission]:
    wanted = set(names)
    query = Q()
    for name in wanted:
        app_label, codename = name.split(".", 1)
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = list(Permission.objects.filter(query).select_related("content_type"))
    missing = wanted - {f"{p.content_type.app_label}.{p.codename}" for p in found}
    if missing:
        raise LookupError(f"unknown permissions (run migrate first): {sorted(missing)}")
    return found


@transaction.atomic
def ensure_roles() -> dict[str, int]:
    """Create or update every role group with exactly its permissions; returns permission counts."""
    counts: dict[str, int] = {}
    for name, permission_names in ROLES.items():
        group, _ = Group.objects.get_or_create(name=name)
        permissions = _permissions(permission_names)
        group.permissions.set(permissions)
        counts[name] = len(permissions)
    return counts


def _in_group(user: Any, name: str) -> bool:
    cache_name = "_auric_group_names"
    names = getattr(user, cache_name, None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        setattr(user, cache_name, names)
    return name in names


def is_store_scoped(user: Any) -> bool:
    """True when the user sees only their own stores: store staff who are not superusers/operators."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return _in_group(user, STORE_STAFF) and not _in_group(user, OPERATOR)


def store_location_ids(user: Any) -> set[int]:
    """The ids of the locations a user is assigned to (the reverse of Location.staff)."""
    cache_name = "_auric_location_ids"
    ids = getattr(user, cache_name, None)
    if ids is None:
        ids = set(user.locations.values_list("pk", flat=True))
        setattr(user, cache_name, ids)
    return ids
