"""Back office for suppliers and the elimination: the thin-category warning, the scorecard on the
supplier page, status changes through the service, complaints, reviewing and publishing a run."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from auric.accounts.roles import CUSTOMER_SERVICE, OPERATOR, STORE_STAFF, ensure_roles
from auric.catalog.models import Style
from auric.quality import elimination
from auric.quality.models import (
    Complaint,
    EliminationPolicy,
    EliminationResult,
    EliminationRun,
    Scheme,
    Supplier,
)
from tests.factories import CategoryFactory, StyleFactory, UserFactory
from tests.quality.supply import supplier
from tests.quality.test_elimination import _last_month, _style

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def _client(role: str, username: str) -> Client:
    ensure_roles()
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def operator_client() -> Client:
    return _client(OPERATOR, "op")


def test_the_supplier_list_warns_about_categories_with_fewer_than_three_suppliers(operator_client):
    rings = CategoryFactory(slug="rings", name="戒指")
    StyleFactory(category=rings)
    supplier("r1", categories=[rings])
    page = operator_client.get(reverse("admin:quality_supplier_changelist"))
    assert page.status_code == 200
    assert "戒指 has 1 active approved supplier(s) (r1); keep at least 3." in page.content.decode()


def test_the_supplier_page_shows_the_scorecard_and_what_is_required(operator_client):
    sup = supplier("sup-a", schemes=(Scheme.KIMBERLEY,))
    page = operator_client.get(reverse("admin:quality_supplier_change", args=[sup.pk])).content.decode()
    for label in ("QC pass rate", "Return rate", "Complaint rate", "On-time delivery", "Latest audit score"):
        assert label in page
    assert "no 营业执照 Business licence certification on file" in page


def test_a_status_change_in_the_form_goes_through_the_service(operator_client):
    sup = supplier("sup-a", status=Supplier.Status.PENDING, schemes=())
    url = reverse("admin:quality_supplier_change", args=[sup.pk])
    form = {
        "code": "sup-a",
        "name": "供应商",
        "kind": sup.kind,
        "audit_every_days": 365,
        "status": Supplier.Status.APPROVED,
        "status_reason": "audit passed",
        "certifications-TOTAL_FORMS": 0,
        "certifications-INITIAL_FORMS": 0,
        "audits-TOTAL_FORMS": 0,
        "audits-INITIAL_FORMS": 0,
    }
    response = operator_client.post(url, form, follow=True)
    assert "cannot be approved: no 营业执照 Business licence" in response.content.decode()
    sup.refresh_from_db()
    assert sup.status == Supplier.Status.PENDING
    form.update(
        {
            "certifications-TOTAL_FORMS": 1,
            "certifications-0-scheme": Scheme.BUSINESS_LICENCE,
            "certifications-0-number": "91440300MA5",
            "certifications-0-issued_on": "2025-01-01",
        }
    )
    operator_client.post(url, form, follow=True)
    sup.refresh_from_db()
    assert sup.status == Supplier.Status.APPROVED and sup.status_reason == "audit passed"


def test_customer_service_records_complaints_and_store_staff_see_no_suppliers():
    style = StyleFactory()
    service = _client(CUSTOMER_SERVICE, "cs")
    response = service.post(
        reverse("admin:quality_complaint_add"),
        {"style": style.pk, "kind": Complaint.Kind.QUALITY, "source": Complaint.Source.CUSTOMER_SERVICE},
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.style == style and complaint.recorded_by.username == "cs"
    staff = _client(STORE_STAFF, "clerk")
    assert staff.get(reverse("admin:quality_supplier_changelist")).status_code == 403
    assert service.get(reverse("admin:quality_supplier_changelist")).status_code == 403


def test_an_operator_reviews_proposals_and_publishes_the_run(operator_client):
    EliminationPolicy.objects.update(bottom_share_percent=Decimal(50))
    worst = _style("AU-WORST", sold=20, returned=8)
    kept = _style("AU-KEPT", sold=20, returned=7)
    _style("AU-A", sold=20)
    _style("AU-B", sold=20)
    run = elimination.run_elimination(month=_last_month())
    runs = reverse("admin:quality_eliminationrun_changelist")
    publish = {"action": "publish", "_selected_action": [run.pk]}
    operator_client.post(runs, publish, follow=True)
    run.refresh_from_db()
    assert run.state == EliminationRun.State.IN_REVIEW  # not reviewed yet

    results = reverse("admin:quality_eliminationresult_changelist")
    worst_result = run.results.get(style=worst)
    operator_client.post(results, {"action": "approve_delisting", "_selected_action": [worst_result.pk]})
    kept_result = run.results.get(style=kept)
    change = reverse("admin:quality_eliminationresult_change", args=[kept_result.pk])
    operator_client.post(change, {"decision": EliminationResult.Decision.REJECTED, "review_note": "new supplier"})
    kept_result.refresh_from_db()
    assert (kept_result.decision, kept_result.review_note) == (EliminationResult.Decision.REJECTED, "new supplier")

    operator_client.post(runs, publish, follow=True)
    run.refresh_from_db()
    worst.refresh_from_db()
    assert run.state == EliminationRun.State.PUBLISHED and worst.status == Style.Status.DELISTED
    # Once published a proposal cannot be changed.
    assert operator_client.get(change).status_code == 200
    response = operator_client.post(change, {"decision": EliminationResult.Decision.APPROVED, "review_note": ""})
    assert response.status_code == 403


def test_the_sidebar_has_the_suppliers_section(operator_client):
    page = operator_client.get(reverse("admin:index")).content.decode()
    assert "Suppliers &amp; quality" in page and reverse("admin:quality_supplier_changelist") in page
