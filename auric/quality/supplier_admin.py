"""Back office for suppliers and the monthly elimination: suppliers with their certifications and
audits (and their scorecard on the change page), the required-certification rules, audits with
their checklist and corrective actions, supply receipts, claims, complaints, the elimination
policy, runs and the review of each proposal. Imported by `auric.quality.admin`.

Status changes, audit scores, claims, complaints, reviews and publication go through
`auric.quality.suppliers` and `auric.quality.elimination`; the supplier list warns about the
categories with fewer than three active approved suppliers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import display

from auric.core.admin import ReadOnlyAdminMixin, error_text
from auric.core.errors import DomainError
from auric.quality import elimination, scorecards, suppliers
from auric.quality.models import (
    AuditItem,
    Certification,
    Complaint,
    CorrectiveAction,
    EliminationPolicy,
    EliminationResult,
    EliminationRun,
    RequiredCertification,
    Scheme,
    Supplier,
    SupplierAudit,
    SupplierClaim,
    SupplyReceipt,
)

SCORECARD_DAYS = 90
REVIEW = elimination.REVIEW_PERMISSION


def _rate(value: Any) -> str:
    return "—" if value is None else f"{(value * 100).quantize(value.__class__('0.1'))} %"


class CertificationInline(TabularInline):
    model = Certification
    extra = 0
    fields = ("scheme", "number", "issuer", "issued_on", "valid_until", "revoked_on", "document_sha256")


class AuditSummaryInline(ReadOnlyAdminMixin, TabularInline):
    model = SupplierAudit
    extra = 0
    fields = ("performed_on", "auditor", "score")
    readonly_fields = fields
    show_change_link = True


@admin.register(Supplier)
class SupplierAdmin(ModelAdmin):
    list_display = ("code", "name", "kind", "status_label", "cleared_today", "next_audit")
    list_filter = (("status", ChoicesDropdownFilter), ("kind", ChoicesDropdownFilter))
    list_filter_submit = True
    search_fields = ("code", "name", "name_en")
    filter_horizontal = ("categories",)
    inlines = (CertificationInline, AuditSummaryInline)
    readonly_fields = (
        "required_now",
        "scorecard_qc_pass_rate",
        "scorecard_return_rate",
        "scorecard_complaint_rate",
        "scorecard_on_time",
        "scorecard_audit",
        "next_audit",
    )
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind", "categories", "audit_every_days")}),
        (
            gettext_lazy("Approval"),
            {"fields": ("status", "status_reason", "required_now")},
        ),
        (
            gettext_lazy("Scorecard (last 90 days)"),
            {
                "fields": (
                    "scorecard_qc_pass_rate",
                    "scorecard_return_rate",
                    "scorecard_complaint_rate",
                    "scorecard_on_time",
                    "scorecard_audit",
                    "next_audit",
                )
            },
        ),
    )

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if request.method == "GET":
            for coverage in scorecards.thin_categories():
                messages.warning(
                    request,
                    _("%(category)s has %(count)d active approved supplier(s) (%(codes)s); keep at least %(minimum)d.")
                    % {
                        "category": coverage.category.name,
                        "count": len(coverage.suppliers),
                        "codes": ", ".join(coverage.suppliers) or "—",
                        "minimum": scorecards.MIN_SUPPLIERS_PER_CATEGORY,
                    },
                )
        return super().changelist_view(request, extra_context)

    @display(
        description=gettext_lazy("Status"),
        ordering="status",
        label={
            Supplier.Status.APPROVED.label: "success",
            Supplier.Status.PENDING.label: "info",
            Supplier.Status.SUSPENDED.label: "warning",
            Supplier.Status.DELISTED.label: "danger",
        },
    )
    def status_label(self, obj: Supplier) -> str:
        return obj.get_status_display()

    @display(description=gettext_lazy("Cleared today"), boolean=True)
    def cleared_today(self, obj: Supplier) -> bool:
        return suppliers.is_cleared(supplier=obj, on=timezone.localdate())

    @display(description=gettext_lazy("Next audit due"))
    def next_audit(self, obj: Supplier) -> Any:
        return scorecards.next_audit_due(obj) if obj.pk else "—"

    @display(description=gettext_lazy("Required of it (whatever it delivers)"))
    def required_now(self, obj: Supplier) -> str:
        if not obj.pk:
            return "—"
        today = timezone.localdate()
        schemes = suppliers.required_schemes(supplier=obj)
        gaps = suppliers.certification_gaps(supplier=obj, schemes=schemes, on=today)
        problems = "; ".join(gap.describe() for gap in gaps)
        return ", ".join(str(Scheme(s).label) for s in schemes) + (f" — {problems}" if problems else " — OK")

    def _card(self, obj: Supplier) -> scorecards.Scorecard | None:
        if not obj.pk:
            return None
        card = getattr(obj, "_scorecard", None)
        if card is None:
            today = timezone.localdate()
            card = scorecards.scorecard(supplier=obj, start=today - timedelta(days=SCORECARD_DAYS - 1), end=today)
            obj._scorecard = card  # type: ignore[attr-defined]
        return card

    @display(description=gettext_lazy("QC pass rate"))
    def scorecard_qc_pass_rate(self, obj: Supplier) -> str:
        card = self._card(obj)
        return f"{_rate(card.qc_pass_rate)} ({card.inspections_passed}/{card.inspections_decided})" if card else "—"

    @display(description=gettext_lazy("Return rate"))
    def scorecard_return_rate(self, obj: Supplier) -> str:
        card = self._card(obj)
        return f"{_rate(card.return_rate)} ({card.units_returned}/{card.units_sold})" if card else "—"

    @display(description=gettext_lazy("Complaint rate"))
    def scorecard_complaint_rate(self, obj: Supplier) -> str:
        card = self._card(obj)
        return f"{_rate(card.complaint_rate)} ({card.complaints}/{card.units_sold})" if card else "—"

    @display(description=gettext_lazy("On-time delivery"))
    def scorecard_on_time(self, obj: Supplier) -> str:
        card = self._card(obj)
        return f"{_rate(card.on_time_rate)} ({card.deliveries_on_time}/{card.deliveries_dated})" if card else "—"

    @display(description=gettext_lazy("Latest audit score"))
    def scorecard_audit(self, obj: Supplier) -> str:
        card = self._card(obj)
        if not card or card.audit_score is None:
            return "—"
        return f"{card.audit_score} / 100 ({card.audited_on:%Y-%m-%d})"

    def save_model(self, request: HttpRequest, obj: Supplier, form: ModelForm, change: bool) -> None:
        # The status moves through the service (after the certifications inline is saved).
        wanted = obj.status
        if change:
            obj.status = Supplier.objects.values_list("status", flat=True).get(pk=obj.pk)
        else:
            obj.status = Supplier.Status.PENDING
        obj._wanted_status = wanted  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        supplier = form.instance
        wanted = getattr(supplier, "_wanted_status", supplier.status)
        if wanted == supplier.status:
            return
        try:
            suppliers.set_supplier_status(
                supplier=supplier,
                status=wanted,
                reason=supplier.status_reason or _("Changed in the back office"),
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error_text(error))


@admin.register(RequiredCertification)
class RequiredCertificationAdmin(ModelAdmin):
    list_display = ("scheme", "supplier_kind", "gem", "natural_only", "metal", "category", "is_active", "note")
    list_filter = ("is_active", ("scheme", ChoicesDropdownFilter))


class AuditItemInline(TabularInline):
    model = AuditItem
    extra = 0
    fields = ("area", "item", "score", "max_score")


class CorrectiveActionInline(TabularInline):
    model = CorrectiveAction
    extra = 0
    fields = ("description", "due_on", "closed_on", "closing_note")


@admin.register(SupplierAudit)
class SupplierAuditAdmin(ModelAdmin):
    list_display = ("supplier", "performed_on", "auditor", "score", "open_actions")
    list_filter = (("supplier", RelatedDropdownFilter),)
    search_fields = ("supplier__code", "supplier__name", "auditor")
    list_select_related = ("supplier",)
    inlines = (AuditItemInline, CorrectiveActionInline)
    fields = ("supplier", "performed_on", "auditor", "findings", "score")
    readonly_fields = ("score",)

    @display(description=gettext_lazy("Open corrective actions"))
    def open_actions(self, obj: SupplierAudit) -> int:
        return obj.actions.filter(closed_on__isnull=True).count()

    def save_model(self, request: HttpRequest, obj: SupplierAudit, form: ModelForm, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        suppliers.refresh_audit_score(audit=form.instance)


@admin.register(SupplyReceipt)
class SupplyReceiptAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("piece", "supplier", "location", "received_on", "expected_on", "on_time_label", "reference")
    list_filter = (("supplier", RelatedDropdownFilter),)
    search_fields = ("piece__serial_number", "supplier__code", "reference")
    list_select_related = ("piece", "supplier", "location")
    date_hierarchy = "received_on"

    @display(description=gettext_lazy("On time"), boolean=True)
    def on_time_label(self, obj: SupplyReceipt) -> bool | None:
        return obj.on_time


@admin.register(SupplierClaim)
class SupplierClaimAdmin(ModelAdmin):
    list_display = ("pk", "supplier", "piece", "state", "opened_at", "inspection")
    list_filter = (("state", ChoicesDropdownFilter), ("supplier", RelatedDropdownFilter))
    search_fields = ("piece__serial_number", "supplier__code")
    list_select_related = ("supplier", "piece")
    readonly_fields = ("supplier", "piece", "inspection", "receipt", "reasons", "state", "opened_at", "closed_at")
    fields = (*readonly_fields, "note")
    actions = ("mark_accepted", "mark_rejected", "mark_settled")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def _close(self, request: HttpRequest, queryset: QuerySet[SupplierClaim], state: str) -> None:
        for claim in queryset:
            try:
                suppliers.close_claim(claim=claim, state=state, note=claim.note, actor=request.user)
            except DomainError as error:
                messages.error(request, error_text(error))

    @admin.action(description=gettext_lazy("The supplier accepted the claim"), permissions=["change"])
    def mark_accepted(self, request: HttpRequest, queryset: QuerySet[SupplierClaim]) -> None:
        self._close(request, queryset, SupplierClaim.State.ACCEPTED)

    @admin.action(description=gettext_lazy("The supplier rejected the claim"), permissions=["change"])
    def mark_rejected(self, request: HttpRequest, queryset: QuerySet[SupplierClaim]) -> None:
        self._close(request, queryset, SupplierClaim.State.REJECTED)

    @admin.action(description=gettext_lazy("Settled"), permissions=["change"])
    def mark_settled(self, request: HttpRequest, queryset: QuerySet[SupplierClaim]) -> None:
        self._close(request, queryset, SupplierClaim.State.SETTLED)


class ComplaintForm(ModelForm):
    class Meta:
        model = Complaint
        fields = ("style", "piece", "order_line", "kind", "source", "description")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        style, piece, line = data.get("style"), data.get("piece"), data.get("order_line")
        if style is not None and piece is not None and piece.style_id != style.pk:
            self.add_error("piece", _("Not a piece of this style."))
        if style is not None and line is not None and line.variant.style_id != style.pk:
            self.add_error("order_line", _("Not an order line of this style."))
        return data


@admin.register(Complaint)
class ComplaintAdmin(ModelAdmin):
    form = ComplaintForm
    list_display = ("opened_at", "style", "piece", "kind", "source")
    list_filter = (("kind", ChoicesDropdownFilter), ("source", ChoicesDropdownFilter))
    search_fields = ("style__code", "piece__serial_number", "description")
    list_select_related = ("style", "piece")
    raw_id_fields = ("style", "piece", "order_line")
    fields = ("style", "piece", "order_line", "kind", "source", "description")
    date_hierarchy = "opened_at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Complaint, form: ModelForm, change: bool) -> None:
        # The form checked what the service checks; a refusal here is a bug, not bad input.
        created = suppliers.record_complaint(
            style=obj.style,
            piece=obj.piece,
            order_line=obj.order_line,
            kind=obj.kind,
            source=obj.source,
            description=obj.description,
            actor=request.user,
        )
        obj.pk, obj.opened_at = created.pk, created.opened_at


@admin.register(EliminationPolicy)
class EliminationPolicyAdmin(ModelAdmin):
    list_display = ("__str__", "min_units", "bottom_share_percent", "updated_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not EliminationPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ResultInline(ReadOnlyAdminMixin, TabularInline):
    model = EliminationResult
    extra = 0
    fields = (
        "rank",
        "style",
        "units_sold",
        "return_rate",
        "complaint_rate",
        "proposed",
        "decision",
        "review_note",
        "action",
    )
    readonly_fields = fields
    show_change_link = True


@admin.register(EliminationRun)
class EliminationRunAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("month", "state", "judged", "proposed_count", "pending_count", "published_at")
    list_filter = (("state", ChoicesDropdownFilter),)
    readonly_fields = (
        "month",
        "state",
        "min_units",
        "bottom_share_percent",
        "judged",
        "created_at",
        "published_at",
        "published_by",
    )
    fields = readonly_fields
    inlines = (ResultInline,)
    actions = ("publish",)

    @display(description=gettext_lazy("Proposed"))
    def proposed_count(self, obj: EliminationRun) -> int:
        return obj.results.filter(proposed=True).count()

    @display(description=gettext_lazy("Waiting for review"))
    def pending_count(self, obj: EliminationRun) -> int:
        return obj.results.filter(decision=EliminationResult.Decision.PENDING).count()

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW)

    @admin.action(
        description=gettext_lazy("Publish the selected runs (delists the approved styles)"), permissions=["review"]
    )
    def publish(self, request: HttpRequest, queryset: QuerySet[EliminationRun]) -> None:
        for run in queryset:
            try:
                elimination.publish_run(run=run, actor=request.user)
            except DomainError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("%(month)s published.") % {"month": f"{run.month:%Y-%m}"})


@admin.register(EliminationResult)
class EliminationResultAdmin(ModelAdmin):
    list_display = (
        "run",
        "rank",
        "style",
        "units_sold",
        "return_rate",
        "complaint_rate",
        "decision",
        "action",
    )
    list_filter = ("proposed", ("decision", ChoicesDropdownFilter), ("run", RelatedDropdownFilter))
    list_select_related = ("run", "style")
    search_fields = ("style__code",)
    readonly_fields = (
        "run",
        "rank",
        "style",
        "units_sold",
        "units_returned",
        "complaints",
        "return_rate",
        "complaint_rate",
        "score",
        "proposed",
        "reason",
        "reviewed_at",
        "reviewed_by",
        "action",
    )
    fields = (*readonly_fields, "decision", "review_note")
    actions = ("approve_delisting",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not request.user.has_perm(REVIEW):
            return False
        return obj is None or (obj.proposed and obj.run.state == EliminationRun.State.IN_REVIEW)

    def has_review_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(REVIEW)

    def save_model(self, request: HttpRequest, obj: EliminationResult, form: ModelForm, change: bool) -> None:
        decision = obj.decision
        if decision not in (EliminationResult.Decision.APPROVED, EliminationResult.Decision.REJECTED):
            messages.error(request, _("Approve the delisting or keep the style."))
            return
        try:
            elimination.review_result(
                result=obj,
                approve=decision == EliminationResult.Decision.APPROVED,
                note=obj.review_note,
                actor=request.user,
            )
        except DomainError as error:
            messages.error(request, error_text(error))

    @admin.action(description=gettext_lazy("Approve delisting the selected styles"), permissions=["review"])
    def approve_delisting(self, request: HttpRequest, queryset: QuerySet[EliminationResult]) -> None:
        done = 0
        for result in queryset.filter(proposed=True):
            try:
                elimination.review_result(result=result, approve=True, actor=request.user)
            except DomainError as error:
                messages.error(request, error_text(error))
            else:
                done += 1
        messages.success(request, _("%(count)d proposal(s) approved.") % {"count": done})
