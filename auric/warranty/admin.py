"""Back office for the warranty: terms (editable, with their entitlements), cards (read-only), and
service requests, whose detail page carries the counter steps — intake (weight in, photos), start
of work, return (weight out) and cancel — each a call to `auric.warranty.services`.

Store staff see the service requests of their own stores only (`StoreScopedAdminMixin`); another
store's request is a 403. Cards show no holder name: the holder is an account id for support.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter
from unfold.decorators import display

from auric.core.admin import ReadOnlyAdminMixin, error_text
from auric.core.errors import DomainError
from auric.inventory.admin import StoreScopedAdminMixin
from auric.warranty import services
from auric.warranty.models import CardEntitlement, ServiceRequest, TermsEntitlement, WarrantyCard, WarrantyTerms
from auric.warranty.states import ServiceState

SERVE = "warranty.serve_servicerequest"


class TermsEntitlementInline(TabularInline):
    model = TermsEntitlement
    extra = 0
    fields = ("kind", "allowance", "period", "months", "lifetime", "metal")


@admin.register(WarrantyTerms)
class WarrantyTermsAdmin(ModelAdmin):
    list_display = ("name", "category_label", "duration_months", "is_active", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name", "name_en", "category_slug")
    inlines = (TermsEntitlementInline,)

    @display(description=gettext_lazy("Category"))
    def category_label(self, obj: WarrantyTerms) -> str:
        return obj.category_slug or _("(default)")


class CardEntitlementInline(ReadOnlyAdminMixin, TabularInline):
    model = CardEntitlement
    extra = 0
    fields = ("kind", "allowance", "period", "starts_at", "ends_at")
    readonly_fields = fields


@admin.register(WarrantyCard)
class WarrantyCardAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("number", "piece", "status_label", "starts_at", "ends_at", "issued_at")
    list_filter = (("status", ChoicesDropdownFilter),)
    search_fields = ("number", "piece__serial_number", "piece__tag_code", "piece_public_id")
    list_select_related = ("piece",)
    inlines = (CardEntitlementInline,)
    readonly_fields = [
        "number",
        "piece",
        "order_line",
        "holder",
        "piece_public_id",
        "status",
        "starts_at",
        "ends_at",
        "terms",
        "card_sha256",
        "issued_at",
        "cancelled_at",
        "cancel_reason",
    ]
    fields = readonly_fields

    @display(description=gettext_lazy("Status"))
    def status_label(self, obj: WarrantyCard) -> str:
        return obj.status_on()


@admin.register(ServiceRequest)
class ServiceRequestAdmin(StoreScopedAdminMixin, ModelAdmin):
    list_display = ("reference", "kind", "channel", "location", "requested_on", "state", "chargeable", "weights")
    list_filter = (
        ("state", ChoicesDropdownFilter),
        ("kind", ChoicesDropdownFilter),
        ("location", RelatedDropdownFilter),
        "chargeable",
    )
    list_filter_submit = True
    search_fields = ("reference", "card__number", "card__piece__serial_number", "card__piece__tag_code")
    list_select_related = ("location", "card")
    ordering = ("requested_on", "id")
    change_form_template = "admin/warranty/servicerequest/change_form.html"
    readonly_fields = [
        "reference",
        "card",
        "kind",
        "channel",
        "location",
        "requested_on",
        "state",
        "chargeable",
        "note",
        "booked_at",
        "received_at",
        "work_started_at",
        "returned_at",
        "cancelled_at",
        "weight_in_g",
        "weight_out_g",
        "staff_note",
    ]
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @display(description=gettext_lazy("Weight in → out (g)"))
    def weights(self, obj: ServiceRequest) -> str:
        if obj.weight_in_g is None:
            return "—"
        return f"{obj.weight_in_g} → {obj.weight_out_g if obj.weight_out_g is not None else '…'}"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        booking = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if booking is not None:
            may_act = request.user.has_perm(SERVE)
            context.update(
                booking=booking,
                photos=list(booking.photos.all()),
                can_intake=may_act and booking.state == ServiceState.BOOKED,
                can_start=may_act and booking.state == ServiceState.RECEIVED,
                can_return=may_act and booking.state == ServiceState.IN_WORK,
                can_cancel=may_act and booking.state == ServiceState.BOOKED,
                piece_weight=booking.card.piece.weight_g,
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/", self.admin_site.admin_view(view), name=f"warranty_servicerequest_{name}"
            )

        return [
            route("intake", self.intake_view, "intake"),
            route("start", self.start_view, "start"),
            route("return", self.return_view, "return"),
            route("cancel", self.cancel_view, "cancel"),
            *super().get_urls(),
        ]

    def _booking(self, request: HttpRequest, object_id: int) -> ServiceRequest:
        """The request for a counter step: 403 without the permission or for another store's row."""
        if not request.user.has_perm(SERVE):
            raise PermissionDenied
        booking = self.get_object(request, str(object_id))
        if booking is None:
            raise PermissionDenied
        return booking

    def _run(self, request: HttpRequest, booking: ServiceRequest, done: str, call: Callable[[], Any]) -> HttpResponse:
        if request.method == "POST":
            try:
                with transaction.atomic():
                    call()
            except DomainError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, done)
        return HttpResponseRedirect(reverse("admin:warranty_servicerequest_change", args=[booking.pk]))

    @staticmethod
    def _text(request: HttpRequest, name: str) -> str:
        return str(request.POST.get(name) or "").strip()[:40]

    def intake_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        booking = self._booking(request, object_id)
        return self._run(
            request,
            booking,
            _("Piece received and weighed in."),
            lambda: services.record_intake(
                reference=booking.reference,
                weight_in_g=self._text(request, "weight_in_g"),
                actor=request.user,
                photos=request.FILES.getlist("photos"),
            ),
        )

    def start_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        booking = self._booking(request, object_id)
        return self._run(
            request,
            booking,
            _("Work started."),
            lambda: services.start_work(reference=booking.reference, actor=request.user),
        )

    def return_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        booking = self._booking(request, object_id)
        return self._run(
            request,
            booking,
            _("Piece weighed out and returned; the service is in its provenance history."),
            lambda: services.record_return(
                reference=booking.reference,
                weight_out_g=self._text(request, "weight_out_g"),
                staff_note=str(request.POST.get("staff_note") or "")[:300],
                actor=request.user,
            ),
        )

    def cancel_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        booking = self._booking(request, object_id)
        return self._run(
            request,
            booking,
            _("Booking cancelled."),
            lambda: services.cancel_booking(reference=booking.reference),
        )


from auric.warranty import buyback_admin  # noqa: E402,F401  (buyback, trade-in, claims and reports)
