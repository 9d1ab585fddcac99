"""Back office for payments: payments, refunds and every provider callback, read-only.

Money moves only through `payments.services` (refunds from the order's detail page). Provider
callbacks show whether their signature was valid and what came of them; the *needs attention*
filter lists money taken for orders that could not take it (to be refunded by an operator).
Large-transaction reports (COMPLIANCE D4) are for the compliance officer, who changes only their
review status and note (through `large_transactions.review_report`).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import display

from auric.core.admin import ReadOnlyAdminMixin
from auric.payments import large_transactions
from auric.payments.models import LargeTransactionReport, Payment, ProviderCallback, Refund


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("order", "provider", "amount", "currency", "state", "provider_reference", "created_at")
    list_filter = (("state", ChoicesDropdownFilter), "provider", ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("order__number", "provider_reference")
    list_select_related = ("order",)
    readonly_fields = [f.name for f in Payment._meta.fields]


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("order_number", "amount", "currency", "state", "reason", "created_by", "created_at")
    list_filter = (("state", ChoicesDropdownFilter), ("created_at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("payment__order__number", "provider_reference")
    list_select_related = ("payment__order", "created_by")
    readonly_fields = [f.name for f in Refund._meta.fields]

    @display(description=_("Order"), ordering="payment__order__number")
    def order_number(self, obj: Refund) -> str:
        return obj.payment.order.number


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "needs_attention"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(outcome=ProviderCallback.Outcome.NEEDS_ATTENTION)
        if self.value() == "no":
            return queryset.exclude(outcome=ProviderCallback.Outcome.NEEDS_ATTENTION)
        return queryset


@admin.register(ProviderCallback)
class ProviderCallbackAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("received_at", "provider", "provider_event_id", "payment", "status", "signature", "outcome_label")
    list_filter = (NeedsAttentionFilter, ("outcome", ChoicesDropdownFilter), "signature_valid", "provider")
    list_filter_submit = True
    search_fields = ("provider_event_id", "payment__order__number")
    list_select_related = ("payment",)
    readonly_fields = [f.name for f in ProviderCallback._meta.fields]

    @display(description=_("Signature"), boolean=True, ordering="signature_valid")
    def signature(self, obj: ProviderCallback) -> bool:
        return obj.signature_valid

    @display(
        description=_("Outcome"),
        ordering="outcome",
        label={
            ProviderCallback.Outcome.APPLIED: "success",
            ProviderCallback.Outcome.IGNORED: "",
            ProviderCallback.Outcome.NEEDS_ATTENTION: "warning",
            ProviderCallback.Outcome.AMOUNT_MISMATCH: "danger",
            ProviderCallback.Outcome.REJECTED: "danger",
            ProviderCallback.Outcome.UNKNOWN_PAYMENT: "danger",
        },
    )
    def outcome_label(self, obj: ProviderCallback) -> tuple[str, str]:
        return obj.outcome, obj.get_outcome_display()


@admin.register(LargeTransactionReport)
class LargeTransactionReportAdmin(ModelAdmin):
    list_display = ("created_at", "order", "user", "amount", "day_total", "currency", "business_day", "status_label")
    list_filter = (("status", ChoicesDropdownFilter), ("business_day", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("order__number",)
    list_select_related = ("order", "user", "identity")
    fields = (
        "order",
        "order_state",
        "user",
        "identity_name",
        "identity_id_number",
        "identity_verified_at",
        "amount",
        "day_total",
        "currency",
        "business_day",
        "created_at",
        "status",
        "review_note",
        "reviewed_by",
        "reviewed_at",
    )
    readonly_fields = tuple(f for f in fields if f not in ("status", "review_note"))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # written by the payment service only

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # kept as the compliance record

    def save_model(self, request: HttpRequest, obj: LargeTransactionReport, form: Any, change: bool) -> None:
        large_transactions.review_report(
            report=obj, status=obj.status, note=obj.review_note or "", reviewer=request.user
        )

    @display(description=_("Order state"))
    def order_state(self, obj: LargeTransactionReport) -> str:
        return obj.order.get_state_display()

    @display(description=_("Real name (masked)"))
    def identity_name(self, obj: LargeTransactionReport) -> str:
        return obj.identity.name_masked

    @display(description=_("ID number (masked)"))
    def identity_id_number(self, obj: LargeTransactionReport) -> str:
        return obj.identity.id_number_masked

    @display(description=_("Identity verified at"))
    def identity_verified_at(self, obj: LargeTransactionReport) -> Any:
        return obj.identity.verified_at

    @display(
        description=_("Status"),
        ordering="status",
        label={
            LargeTransactionReport.Status.PENDING_REVIEW: "warning",
            LargeTransactionReport.Status.REVIEWED: "success",
            LargeTransactionReport.Status.REPORTED: "info",
        },
    )
    def status_label(self, obj: LargeTransactionReport) -> tuple[str, str]:
        return obj.status, obj.get_status_display()
