"""Supplier reminders (`manage.py quality_reminders`, daily): certifications lapsing within N days
(or lapsed while the supplier is still approved), audits due, corrective actions due or overdue.

Each reminder publishes one event (`quality.CertificationLapsing`, `quality.CertificationLapsed`,
`quality.SupplierAuditDue`, `quality.CorrectiveActionDue`) at most once per item per day
(`ReminderSent`), so the command can run any number of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from auric.core import events
from auric.core.transactions import service_transaction
from auric.quality import scorecards
from auric.quality import suppliers as supplier_services
from auric.quality.models import Certification, CorrectiveAction, ReminderSent, Scheme, Supplier

CERTIFICATION_LAPSING = "quality.CertificationLapsing"
CERTIFICATION_LAPSED = "quality.CertificationLapsed"
AUDIT_DUE = "quality.SupplierAuditDue"
CORRECTIVE_ACTION_DUE = "quality.CorrectiveActionDue"
DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Reminder:
    kind: str
    item: str  # a stable key of what it is about, e.g. "certification:12"
    supplier_id: int
    supplier_code: str
    text: str
    due_on: date | None

    def payload(self, today: date) -> dict[str, object]:
        return {
            "item": self.item,
            "supplier_id": self.supplier_id,
            "due_on": self.due_on.isoformat() if self.due_on else None,
            "overdue": bool(self.due_on and self.due_on < today),
            "text": self.text,
        }


def due_reminders(*, today: date, days: int = DEFAULT_DAYS) -> list[Reminder]:
    """What needs attention on `today`, looking `days` ahead (delisted suppliers are left out)."""
    horizon = today + timedelta(days=days)
    found: list[Reminder] = []
    current = Supplier.objects.exclude(status=Supplier.Status.DELISTED)
    lapsing = (
        Certification.objects.filter(
            supplier__in=current, valid_until__gte=today, valid_until__lte=horizon, revoked_on__isnull=True
        )
        .select_related("supplier")
        .order_by("valid_until", "pk")
    )
    for c in lapsing:
        # A renewal on file (valid after this one ends) makes the reminder moot.
        renewed = (
            Certification.objects.filter(supplier_id=c.supplier_id, scheme=c.scheme, revoked_on__isnull=True)
            .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=c.valid_until))
            .exclude(pk=c.pk)
        )
        if renewed.exists():
            continue
        found.append(
            Reminder(
                CERTIFICATION_LAPSING,
                f"certification:{c.pk}",
                c.supplier_id,
                c.supplier.code,
                f"{Scheme(c.scheme).label} {c.number} lapses on {c.valid_until:%Y-%m-%d}",
                c.valid_until,
            )
        )
    for supplier in current.filter(status=Supplier.Status.APPROVED).order_by("code"):
        schemes = supplier_services.required_schemes(supplier=supplier)
        for gap in supplier_services.certification_gaps(supplier=supplier, schemes=schemes, on=today):
            found.append(
                Reminder(
                    CERTIFICATION_LAPSED,
                    f"supplier:{supplier.pk}:{gap.scheme}",
                    supplier.pk,
                    supplier.code,
                    f"approved but cannot deliver: {gap.describe()}",
                    gap.valid_until,
                )
            )
    for supplier in current.order_by("code"):
        due = scorecards.next_audit_due(supplier)
        if due <= horizon:
            found.append(
                Reminder(
                    AUDIT_DUE,
                    f"audit:{supplier.pk}:{due.isoformat()}",
                    supplier.pk,
                    supplier.code,
                    f"periodic audit due on {due:%Y-%m-%d}",
                    due,
                )
            )
    actions = (
        CorrectiveAction.objects.filter(closed_on__isnull=True, due_on__lte=horizon, audit__supplier__in=current)
        .select_related("audit__supplier")
        .order_by("due_on", "pk")
    )
    for action in actions:
        found.append(
            Reminder(
                CORRECTIVE_ACTION_DUE,
                f"corrective-action:{action.pk}",
                action.audit.supplier_id,
                action.audit.supplier.code,
                f"corrective action due on {action.due_on:%Y-%m-%d}: {action.description}",
                action.due_on,
            )
        )
    return found


def send_reminders(*, today: date | None = None, days: int = DEFAULT_DAYS) -> list[tuple[Reminder, bool]]:
    """Publish each due reminder not yet sent today; returns every reminder and whether it was sent now."""
    today = today or timezone.localdate()
    if not 0 <= days <= MAX_DAYS:
        raise ValueError(f"days must be between 0 and {MAX_DAYS}")
    sent = []
    with service_transaction():
        for reminder in due_reminders(today=today, days=days):
            try:
                with transaction.atomic():
                    ReminderSent.objects.create(kind=reminder.kind, item=reminder.item, sent_on=today)
            except IntegrityError:
                sent.append((reminder, False))  # already sent today
                continue
            events.publish(reminder.kind, reminder.payload(today), aggregate=f"quality.supplier:{reminder.supplier_id}")
            sent.append((reminder, True))
    return sent
