"""Suppliers for the quality tests: approved, with the certifications the default rules require."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone

from auric.quality.models import Certification, Scheme, Supplier, SupplierKind


def supplier(
    code: str = "sup-sz-01",
    *,
    kind: str = SupplierKind.MANUFACTURER,
    status: str = Supplier.Status.APPROVED,
    schemes: tuple[str, ...] = (Scheme.BUSINESS_LICENCE, Scheme.KIMBERLEY),
    valid_until: date | None = None,
    categories=(),
) -> Supplier:
    today = timezone.localdate()
    row = Supplier.objects.create(code=code, name=f"供应商 {code}", kind=kind, status=status)
    row.categories.set(categories)
    for scheme in schemes:
        Certification.objects.create(
            supplier=row,
            scheme=scheme,
            number=f"{scheme.upper()}-{code}",
            issued_on=today - timedelta(days=400),
            valid_until=valid_until if valid_until is not None else today + timedelta(days=365),
        )
    return row
