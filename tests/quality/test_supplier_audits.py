"""Supplier audits, reminders, scorecards and category coverage (SPEC S4)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from auric.core.errors import Conflict, ValidationFailed
from auric.core.models import OutboxEvent
from auric.orders.models import ReturnRequest
from auric.quality import reminders, scorecards, suppliers
from auric.quality.models import (
    AuditArea,
    Certification,
    Gate,
    Inspection,
    ReminderSent,
    Scheme,
    Supplier,
    SupplyReceipt,
)
from tests.factories import CategoryFactory, LocationFactory, PieceFactory, StyleFactory
from tests.quality.sales import complain, give_back, sell
from tests.quality.supply import supplier

pytestmark = pytest.mark.django_db

CHECKLIST = [
    {"area": AuditArea.SOURCING, "item": "Chain-of-custody records for every lot", "score": 5, "max_score": 5},
    {"area": AuditArea.CRAFT, "item": "Soldering joints, polish", "score": 3, "max_score": 5},
    {"area": AuditArea.LABOUR, "item": "Working hours within the law", "score": 4, "max_score": 5},
    {"area": AuditArea.LABOUR, "item": "Fire exits free", "score": 4, "max_score": 5},
]


def _at(day, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def test_an_audit_scores_its_checklist_and_sets_the_next_due_date():
    today = timezone.localdate()
    sup = supplier()
    sup.audit_every_days = 180
    sup.save()
    assert scorecards.next_audit_due(sup) == sup.created_on  # never audited: due now
    audit = suppliers.record_audit(
        supplier=sup,
        performed_on=today - timedelta(days=10),
        auditor="SGS Shenzhen",
        items=CHECKLIST,
        findings="Two polishing benches without extraction.",
        actions=[{"description": "Fit dust extraction on benches 3 and 4", "due_on": today + timedelta(days=20)}],
        actor=None,
    )
    assert audit.score == Decimal("80.0")  # 16 of 20
    assert audit.items.count() == 4
    assert scorecards.next_audit_due(sup) == today - timedelta(days=10) + timedelta(days=180)
    action = audit.actions.get()
    suppliers.close_corrective_action(action=action, note="fitted, photos on file", actor=None)
    with pytest.raises(Conflict):
        suppliers.close_corrective_action(action=action, actor=None)


@pytest.mark.parametrize(
    "items",
    [
        [],
        [{"area": "hygiene", "item": "x", "score": 1}],
        [{"area": AuditArea.CRAFT, "item": "x", "score": 6, "max_score": 5}],
        [{"area": AuditArea.CRAFT, "item": "", "score": 1}],
        [{"area": AuditArea.CRAFT, "item": "x", "score": "5"}],
    ],
)
def test_a_bad_checklist_is_refused_and_nothing_is_recorded(items):
    sup = supplier()
    with pytest.raises(ValidationFailed):
        suppliers.record_audit(supplier=sup, performed_on=timezone.localdate(), auditor="SGS", items=items, actor=None)
    assert not sup.audits.exists()


def test_reminders_list_lapsing_certificates_due_audits_and_actions_once_a_day(capsys):
    today = timezone.localdate()
    sup = supplier("sup-a", valid_until=today + timedelta(days=12))
    suppliers.record_audit(
        supplier=sup,
        performed_on=today - timedelta(days=1),
        auditor="SGS",
        items=CHECKLIST,
        actions=[{"description": "Post the fire-drill schedule", "due_on": today - timedelta(days=2)}],
        actor=None,
    )
    renewed = supplier("sup-b", valid_until=today + timedelta(days=5))
    Certification.objects.create(
        supplier=renewed,
        scheme=Scheme.BUSINESS_LICENCE,
        number="RENEWED",
        issued_on=today,
        valid_until=today + timedelta(days=900),
    )
    far = supplier("sup-c", valid_until=today + timedelta(days=200))
    suppliers.record_audit(supplier=far, performed_on=today, auditor="SGS", items=CHECKLIST, actor=None)
    supplier("sup-gone", status=Supplier.Status.DELISTED, valid_until=today + timedelta(days=3))

    call_command("quality_reminders")
    out = capsys.readouterr().out
    assert "sup-a: 营业执照 Business licence BUSINESS_LICENCE-sup-a lapses on" in out
    assert "sup-a: 金伯利进程 Kimberley Process" in out
    assert "sup-b: 金伯利进程 Kimberley Process KIMBERLEY-sup-b lapses on" in out
    assert "BUSINESS_LICENCE-sup-b" not in out  # a renewal is on file
    assert "sup-c" not in out.split("Audits due")[0]
    assert "sup-a: corrective action due on" in out
    assert "sup-b: periodic audit due on" in out  # never audited
    assert "sup-gone" not in out
    first = OutboxEvent.objects.filter(name__startswith="quality.").exclude(name="quality.SupplyReceived").count()
    assert OutboxEvent.objects.filter(name=reminders.CERTIFICATION_LAPSING).count() == 3
    assert OutboxEvent.objects.filter(name=reminders.CORRECTIVE_ACTION_DUE, payload__overdue=True).count() == 1

    call_command("quality_reminders")  # the same day again: nothing new
    assert "already reminded today" in capsys.readouterr().out
    assert OutboxEvent.objects.filter(name__startswith="quality.").exclude(name="quality.SupplyReceived").count() == (
        first
    )
    # The next day they are sent again.
    reminders.send_reminders(today=today + timedelta(days=1))
    assert ReminderSent.objects.filter(sent_on=today + timedelta(days=1)).count() > 0


def test_an_approved_supplier_with_a_lapsed_licence_is_reminded():
    today = timezone.localdate()
    supplier("sup-lapsed", schemes=(Scheme.BUSINESS_LICENCE,), valid_until=today - timedelta(days=1))
    kinds = {r.kind for r in reminders.due_reminders(today=today, days=0)}
    assert reminders.CERTIFICATION_LAPSED in kinds


def test_a_scorecard_counts_what_happened_to_the_suppliers_pieces():
    today = timezone.localdate()
    start, end = today - timedelta(days=29), today
    sup, other = supplier("sup-a"), supplier("sup-b")
    station = LocationFactory(code="wh-score")
    pieces = [PieceFactory() for _ in range(4)]
    for index, piece in enumerate(pieces):
        SupplyReceipt.objects.create(
            supplier=sup,
            piece=piece,
            location=station,
            received_on=today - timedelta(days=5),
            expected_on=today - timedelta(days=5 + index % 2),  # two on time, two a day late
        )
    stranger = PieceFactory()
    SupplyReceipt.objects.create(supplier=other, piece=stranger, location=station, received_on=today)
    for piece, state in zip(pieces, ["passed", "passed", "passed", "failed"], strict=True):
        Inspection.objects.create(piece=piece, gate=Gate.INBOUND, station=station, state=state, decided_at=_at(today))
    Inspection.objects.create(piece=stranger, gate=Gate.INBOUND, station=station, state="failed", decided_at=_at(today))
    lines = [sell(p.variant, piece=p, paid_at=_at(today - timedelta(days=3))) for p in pieces[:3]]
    give_back(lines[0], at=_at(today - timedelta(days=1)))
    give_back(lines[1], at=_at(today - timedelta(days=1)), state=ReturnRequest.State.REJECTED)
    complain(pieces[2].variant, piece=pieces[2], at=_at(today))
    suppliers.record_audit(supplier=sup, performed_on=today, auditor="SGS", items=CHECKLIST, actor=None)

    card = scorecards.scorecard(supplier=sup, start=start, end=end)
    assert (card.inspections_decided, card.inspections_passed) == (4, 3)
    assert card.qc_pass_rate == Decimal("0.7500")
    assert (card.units_sold, card.units_returned) == (3, 1)  # a rejected return does not count
    assert card.return_rate == Decimal("0.3333")
    assert card.complaint_rate == Decimal("0.3333")
    assert (card.received, card.deliveries_dated, card.deliveries_on_time) == (4, 4, 2)
    assert card.on_time_rate == Decimal("0.5000")
    assert card.audit_score == Decimal("80.0")
    empty = scorecards.scorecard(supplier=sup, start=start - timedelta(days=90), end=start - timedelta(days=60))
    assert empty.qc_pass_rate is None and empty.return_rate is None and empty.audit_score is None


def test_a_category_with_fewer_than_three_active_approved_suppliers_is_flagged():
    rings, bangles = CategoryFactory(slug="rings", name="戒指"), CategoryFactory(slug="bangles")
    StyleFactory(category=rings)
    StyleFactory(category=bangles)
    today = timezone.localdate()
    for code in ("r1", "r2", "r3"):
        supplier(code, categories=[rings])
    supplier("b1", categories=[bangles])
    supplier("b2", categories=[bangles], status=Supplier.Status.SUSPENDED)
    supplier("b3", categories=[bangles], schemes=(Scheme.BUSINESS_LICENCE,), valid_until=today - timedelta(days=1))
    thin = scorecards.thin_categories()
    assert [(c.category.slug, c.suppliers) for c in thin] == [("bangles", ("b1",))]
    # A supplier listed for the parent category serves its children.
    child = CategoryFactory(slug="wedding-rings", parent=rings)
    coverage = scorecards.category_coverage(categories=[child])
    assert coverage[0].suppliers == ("r1", "r2", "r3") and not coverage[0].is_thin
