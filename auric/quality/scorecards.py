"""Supplier reads: scorecards over a period, when the next audit is due, and the categories with
fewer than three active approved suppliers.

A scorecard counts what happened to the pieces received from the supplier (`SupplyReceipt`): their
decided inspections (QC pass rate), their sales and returns (return rate), complaints about them
(complaint rate), the receipts' punctuality (on-time delivery) and the latest audit score. Sales and
returns are read from the orders app by model name (`apps.get_model`): quality sits below orders in
the dependency direction (ARCHITECTURE.md) and never imports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from auric.catalog.models import Category, Style
from auric.quality import suppliers as supplier_services
from auric.quality.models import (
    CUSTOMER_GATES,
    Complaint,
    Inspection,
    RequiredCertification,
    Supplier,
    SupplierAudit,
    SupplyReceipt,
)

MIN_SUPPLIERS_PER_CATEGORY = 3

# Sales and returns are read by model name: quality sits below orders and never imports it.
RETURN_REJECTED = "rejected"  # orders.ReturnRequest.State.REJECTED


def day_range(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the shop's time zone, for timestamp filters."""
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(start, time.min, tzinfo=zone),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=zone),
    )


def share(part: int, whole: int) -> Decimal | None:
    """part / whole to four places (a share, not money); None when nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))


@dataclass(frozen=True)
class Scorecard:
    supplier_id: int
    start: date
    end: date
    received: int
    inspections_decided: int
    inspections_passed: int
    units_sold: int
    units_returned: int
    complaints: int
    deliveries_dated: int
    deliveries_on_time: int
    audit_score: Decimal | None
    audited_on: date | None

    @property
    def qc_pass_rate(self) -> Decimal | None:
        return share(self.inspections_passed, self.inspections_decided)

    @property
    def return_rate(self) -> Decimal | None:
        return share(self.units_returned, self.units_sold)

    @property
    def complaint_rate(self) -> Decimal | None:
        return share(self.complaints, self.units_sold)

    @property
    def on_time_rate(self) -> Decimal | None:
        return share(self.deliveries_on_time, self.deliveries_dated)


def _supplied_pieces(supplier: Supplier) -> QuerySet[SupplyReceipt, Any]:
    return SupplyReceipt.objects.filter(supplier=supplier).values("piece_id")


def scorecard(*, supplier: Supplier, start: date, end: date) -> Scorecard:
    """The supplier's figures from `start` to `end` inclusive (seven queries)."""
    since, until = day_range(start, end)
    pieces = _supplied_pieces(supplier)
    inspections = (
        Inspection.objects.filter(piece_id__in=pieces, decided_at__gte=since, decided_at__lt=until)
        .exclude(gate__in=CUSTOMER_GATES)
        .aggregate(decided=Count("pk"), passed=Count("pk", filter=Q(state=Inspection.State.PASSED)))
    )
    sold = (
        apps.get_model("orders", "OrderLine")
        .objects.filter(piece_id__in=pieces, order__paid_at__gte=since, order__paid_at__lt=until)
        .aggregate(units=Sum("quantity"))["units"]
    )
    returned = (
        apps.get_model("orders", "ReturnLine")
        .objects.filter(
            order_line__piece_id__in=pieces,
            return_request__requested_at__gte=since,
            return_request__requested_at__lt=until,
        )
        .exclude(return_request__state=RETURN_REJECTED)
        .aggregate(units=Sum("quantity"))["units"]
    )
    complaints = Complaint.objects.filter(piece_id__in=pieces, opened_at__gte=since, opened_at__lt=until).count()
    receipts = SupplyReceipt.objects.filter(supplier=supplier, received_on__gte=start, received_on__lte=end).aggregate(
        received=Count("pk"),
        dated=Count("pk", filter=Q(expected_on__isnull=False)),
        on_time=Count("pk", filter=Q(expected_on__isnull=False, received_on__lte=F("expected_on"))),
    )
    audit = (
        SupplierAudit.objects.filter(supplier=supplier, performed_on__lte=end, score__isnull=False)
        .order_by("-performed_on", "-pk")
        .first()
    )
    return Scorecard(
        supplier_id=supplier.pk,
        start=start,
        end=end,
        received=receipts["received"],
        inspections_decided=inspections["decided"],
        inspections_passed=inspections["passed"],
        units_sold=sold or 0,
        units_returned=returned or 0,
        complaints=complaints,
        deliveries_dated=receipts["dated"],
        deliveries_on_time=receipts["on_time"],
        audit_score=audit.score if audit else None,
        audited_on=audit.performed_on if audit else None,
    )


def next_audit_due(supplier: Supplier) -> date:
    """The day after the last audit plus the supplier's interval; never audited: due since it was added."""
    last = (
        SupplierAudit.objects.filter(supplier=supplier)
        .order_by("-performed_on")
        .values_list("performed_on", flat=True)[:1]
    )
    if not last:
        return supplier.created_on
    return last[0] + timedelta(days=supplier.audit_every_days)


@dataclass(frozen=True)
class Coverage:
    category: Category
    suppliers: tuple[str, ...]  # codes of the active approved suppliers

    @property
    def is_thin(self) -> bool:
        return len(self.suppliers) < MIN_SUPPLIERS_PER_CATEGORY


def active_suppliers(*, on: date | None = None) -> list[Supplier]:
    """Approved suppliers holding every certification required of them whatever they deliver."""
    on = on or timezone.localdate()
    rules = list(RequiredCertification.objects.filter(is_active=True))
    active = []
    for supplier in Supplier.objects.filter(status=Supplier.Status.APPROVED).prefetch_related("categories"):
        schemes = sorted({r.scheme for r in rules if supplier_services.rule_applies(r, supplier, None)})
        if not supplier_services.certification_gaps(supplier=supplier, schemes=schemes, on=on):
            active.append(supplier)
    return active


def category_coverage(*, on: date | None = None, categories: Iterable[Category] | None = None) -> list[Coverage]:
    """For each category with live styles (or the ones given), the active approved suppliers serving
    it (listed for it or for its parent category)."""
    if categories is None:
        live = Style.objects.filter(status=Style.Status.LIVE).values("category_id")
        categories = Category.objects.filter(pk__in=live).order_by("position", "slug")
    serving: dict[int, set[str]] = {}
    for supplier in active_suppliers(on=on):
        for category in supplier.categories.all():
            serving.setdefault(category.pk, set()).add(supplier.code)
    result = []
    for category in categories:
        codes = serving.get(category.pk, set()) | serving.get(category.parent_id or 0, set())
        result.append(Coverage(category, tuple(sorted(codes))))
    return result


def thin_categories(*, on: date | None = None) -> list[Coverage]:
    """The categories with fewer than three active approved suppliers (SPEC S4: keep three)."""
    return [coverage for coverage in category_coverage(on=on) if coverage.is_thin]
