"""Back-office roles as Django groups, and the store scope of store staff and franchisees.

*Operators* run the catalog, the price book and the stock (including CSV imports). *Store staff*
see only the stock of the stores they are assigned to (`Location.staff`) and change nothing in the
catalog or the price book. *Customer service* read orders, returns and payments and refund up to
`CUSTOMER_SERVICE_REFUND_LIMIT`. *Franchisees* are scoped like store staff, to the stores of the
franchises they own (`Franchise.owners`). *Partners* have no back-office access to commerce data.
*Auditors* may view everything and change nothing (`is_read_only`). `ensure_roles()` writes the
groups and their permissions and is safe to run any number of times (`manage.py ensure_roles`).

Permissions are named by "app_label.codename" strings so this module imports no other app.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

OPERATOR = "operator"
STORE_STAFF = "store staff"
CUSTOMER_SERVICE = "customer service"
FRANCHISEE = "franchisee"
PARTNER = "partner"
AUDITOR = "auditor"
COMPLIANCE_OFFICER = "compliance officer"
QC_INSPECTOR = "qc inspector"
SENIOR_INSPECTOR = "senior inspector"

_CRUD = ("view", "add", "change")

# Held orders are approved or rejected by operators and customer service (docs/risk.md).
RISK_REVIEW_PERMISSIONS: tuple[str, ...] = ("risk.view_reviewcase", "risk.decide_reviewcase", "risk.view_decision")

# Suppliers, audits, receipts from suppliers, claims, complaints; the elimination policy, the review
# and publication of the monthly elimination (publishing delists styles: operators also change styles).
QUALITY_SUPPLIER_PERMISSIONS: tuple[str, ...] = (
    *(
        f"quality.{action}_{model}"
        for model in ("supplier", "certification", "requiredcertification", "supplieraudit", "audititem")
        for action in _CRUD
    ),
    *(f"quality.{action}_correctiveaction" for action in _CRUD),
    "quality.receive_from_supplier",
    "quality.view_supplyreceipt",
    "quality.view_supplierclaim",
    "quality.change_supplierclaim",
    "quality.view_complaint",
    "quality.add_complaint",
    "quality.view_eliminationpolicy",
    "quality.change_eliminationpolicy",
    "quality.view_eliminationrun",
    "quality.view_eliminationresult",
    "quality.change_eliminationresult",
    "quality.review_eliminationrun",
)

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
    *(
        f"inventory.{action}_{model}"
        for model in ("location", "transfer", "stocklevel", "franchise")
        for action in _CRUD
    ),
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
    # Risk: publish rule-set versions, read decisions, work the review queue.
    *RISK_REVIEW_PERMISSIONS,
    "risk.add_ruleset",
    "risk.view_ruleset",
    "risk.view_rule",
    # Warranty: the terms per category, the cards (read-only), the service counter.
    *(f"warranty.{action}_{model}" for model in ("warrantyterms", "termsentitlement") for action in _CRUD),
    "warranty.view_warrantycard",
    "warranty.view_servicerequest",
    "warranty.serve_servicerequest",
    # Buyback and trade-in: the fee schedule, quotes and payouts; guarantee claims and reports.
    *(f"warranty.{action}_buybackfee" for action in _CRUD),
    "warranty.view_buybackquote",
    "warranty.quote_buybackquote",
    "warranty.view_payout",
    "warranty.settle_payout",
    "warranty.view_guaranteeclaim",
    "warranty.decide_guaranteeclaim",
    "warranty.view_inspectionreport",
    "warranty.add_inspectionreport",
    # Quality: every station's inspections, readings at any station (head-office QC), the tolerances
    # and the spot-check plans.
    "quality.view_inspection",
    "quality.inspect",
    *(f"quality.{action}_{model}" for model in ("tolerance", "samplingplan") for action in _CRUD),
    # Suppliers and the monthly elimination (docs/suppliers.md).
    *QUALITY_SUPPLIER_PERMISSIONS,
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
    # The service counter of their own stores: intake, work, return (the admin scopes by location).
    "warranty.view_servicerequest",
    "warranty.serve_servicerequest",
    # Buyback and trade-in at their own stores' counters (the admin scopes quotes by store).
    "warranty.view_buybackquote",
    "warranty.quote_buybackquote",
    # Quality: the inspections of their stores (e.g. the outbound re-check before a pickup).
    "quality.view_inspection",
)

# Customer service: read orders (returns are shown on the order), payments and refunds; refund up to
# CUSTOMER_SERVICE_REFUND_LIMIT per order (an operator refunds more); look pieces up. No catalog,
# price-book or stock edits. The vault lets them reveal for ship_parcel and handle_ticket
# (privacy.access.PURPOSE_ROLES).
CUSTOMER_SERVICE_PERMISSIONS: tuple[str, ...] = (
    *RISK_REVIEW_PERMISSIONS,
    "orders.view_order",
    "payments.view_payment",
    "payments.view_refund",
    "payments.add_refund",
    "catalog.view_style",
    "catalog.view_variant",
    "catalog.view_piece",
    # Complaints feed the monthly elimination (docs/suppliers.md).
    "quality.view_complaint",
    "quality.add_complaint",
)
CUSTOMER_SERVICE_REFUND_LIMIT = Decimal("2000.00")

# Franchisees: what store staff see, for the stores of their franchises, plus receiving transfers
# into those stores (the transfer admin checks the destination); the franchise itself, read-only.
FRANCHISEE_PERMISSIONS: tuple[str, ...] = (
    *STORE_STAFF_PERMISSIONS,
    "inventory.change_transfer",
    "inventory.view_franchise",
)

# Partners will sign provenance records; until the provenance app lands the group exists with no
# model permission at all (no back-office access to commerce data).
PARTNER_PERMISSIONS: tuple[str, ...] = ()

# Compliance officers review large-transaction reports (COMPLIANCE D4); a report shows the masked
# identity verification behind it (the vault reveals the values to them for verify_identity).
COMPLIANCE_OFFICER_PERMISSIONS: tuple[str, ...] = (
    "payments.view_largetransactionreport",
    "payments.change_largetransactionreport",
)

# QC inspectors enter readings at the stations they are assigned to (Location.staff); senior
# inspectors also decide escalated inspections.
QC_INSPECTOR_PERMISSIONS: tuple[str, ...] = ("quality.view_inspection", "quality.inspect")
SENIOR_INSPECTOR_PERMISSIONS: tuple[str, ...] = (*QC_INSPECTOR_PERMISSIONS, "quality.senior_inspect")

ROLES: dict[str, tuple[str, ...]] = {
    OPERATOR: OPERATOR_PERMISSIONS,
    STORE_STAFF: STORE_STAFF_PERMISSIONS,
    CUSTOMER_SERVICE: CUSTOMER_SERVICE_PERMISSIONS,
    FRANCHISEE: FRANCHISEE_PERMISSIONS,
    PARTNER: PARTNER_PERMISSIONS,
    COMPLIANCE_OFFICER: COMPLIANCE_OFFICER_PERMISSIONS,
    QC_INSPECTOR: QC_INSPECTOR_PERMISSIONS,
    SENIOR_INSPECTOR: SENIOR_INSPECTOR_PERMISSIONS,
}
# Groups whose users see only some stores (`store_location_ids`).
STORE_SCOPED_ROLES = (STORE_STAFF, FRANCHISEE, QC_INSPECTOR, SENIOR_INSPECTOR)
# Scoped to the locations they are assigned to (Location.staff); franchisees to their franchises'.
STAFFED_ROLES = (STORE_STAFF, QC_INSPECTOR, SENIOR_INSPECTOR)

# Who may run the CSV imports: the permission each import needs.
PIECE_IMPORT_PERMISSION = "catalog.add_piece"
METAL_PRICE_IMPORT_PERMISSION = "pricing.add_metalprice"


def _permissions(names: Iterable[str]) -> list[Permission]:
    wanted = set(names)
    if not wanted:
        return []
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
    auditor, _ = Group.objects.get_or_create(name=AUDITOR)
    auditor.permissions.set(auditor_permissions())
    counts[AUDITOR] = auditor.permissions.count()
    return counts


def auditor_permissions() -> list[Permission]:
    """Every model's view permission and nothing else (no add, change, delete or custom ones); read
    when `ensure_roles` runs, so models added later are covered by running it again."""
    return list(Permission.objects.filter(codename__startswith="view_"))


def _in_group(user: Any, name: str) -> bool:
    cache_name = "_auric_group_names"
    names = getattr(user, cache_name, None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        setattr(user, cache_name, names)
    return name in names


def has_role(user: Any, name: str) -> bool:
    """True when the user is in the role's group (superusers are not in any group by default)."""
    return bool(getattr(user, "is_authenticated", False)) and _in_group(user, name)


def is_store_scoped(user: Any) -> bool:
    """True when the user sees only their own stores: store staff and franchisees who are not
    superusers/operators."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return any(_in_group(user, name) for name in STORE_SCOPED_ROLES) and not _in_group(user, OPERATOR)


def store_location_ids(user: Any) -> set[int]:
    """The ids of the locations a user may see: the stores they staff (the reverse of
    Location.staff) if they are store staff, and the stores of the franchises they own
    (Franchise.owners) if they are a franchisee."""
    cache_name = "_auric_location_ids"
    ids = getattr(user, cache_name, None)
    if ids is None:
        ids = set()
        if getattr(user, "is_authenticated", False):
            if any(_in_group(user, name) for name in STAFFED_ROLES) or not is_store_scoped(user):
                ids |= set(user.locations.values_list("pk", flat=True))
            if _in_group(user, FRANCHISEE):
                owned = user.franchises.filter(locations__isnull=False)
                ids |= set(owned.values_list("locations__pk", flat=True))
        setattr(user, cache_name, ids)
    return ids


def is_read_only(user: Any) -> bool:
    """Auditors change nothing anywhere in the back office, whatever other group they are in;
    superusers are never read-only."""
    if not getattr(user, "is_authenticated", False) or user.is_superuser:
        return False
    return _in_group(user, AUDITOR)


def refund_limit(user: Any) -> Decimal | None:
    """The largest single refund a user may make, None for no limit (operators, superusers). Only
    customer service who are not operators are limited."""
    if user.is_superuser or _in_group(user, OPERATOR):
        return None
    if _in_group(user, CUSTOMER_SERVICE):
        return CUSTOMER_SERVICE_REFUND_LIMIT
    return None
