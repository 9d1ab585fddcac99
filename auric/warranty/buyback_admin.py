"""Back office for buyback, trade-in and the guarantee: the fee schedule (editable), quotes (made at
the counter from a passed buyback test; accepted for the customer; withdrawn), payouts (marked paid
with the transfer's reference), guarantee claims (link the re-test, uphold or reject, compensate)
and third-party reports (read-only; staff attach one to any piece).

Every action is a call to `auric.warranty.buyback`, `.claims` or `.reports`; counter staff see the
quotes of their own stores (`StoreScopedAdminMixin`). Claims are decided by head office.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter
from unfold.decorators import display

from auric.accounts.models import User
from auric.catalog.models import Piece
from auric.core.admin import ReadOnlyAdminMixin, error_text
from auric.core.errors import DomainError
from auric.inventory.admin import StoreScopedAdminMixin
from auric.inventory.models import Location
from auric.quality.models import Gate, Inspection
from auric.warranty import buyback, claims, reports
from auric.warranty.models import (
    BuybackFee,
    BuybackQuote,
    GuaranteeClaim,
    InspectionReport,
    Payout,
    TradeKind,
)


def _run(request: HttpRequest, done: str, call: Callable[[], Any]) -> bool:
    """Call a service; its domain error becomes a message (nothing changed)."""
    try:
        call()
    except DomainError as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, done)
    return True


@admin.register(BuybackFee)
class BuybackFeeAdmin(ModelAdmin):
    list_display = ("kind", "metal", "fineness", "basis", "amount", "currency", "is_active", "updated_at")
    list_filter = ("kind", "metal", "is_active")
    list_editable = ("amount", "is_active")


class QuoteForm(forms.Form):
    kind = forms.ChoiceField(choices=TradeKind.choices)
    piece = forms.CharField(max_length=40, help_text=gettext_lazy("The piece's serial number or tag code"))
    customer = forms.CharField(max_length=150, help_text=gettext_lazy("The customer's account (username)"))
    store = forms.ModelChoiceField(queryset=Location.objects.none())
    inspection = forms.IntegerField(min_value=1, help_text=gettext_lazy("The passed buyback test's number"))


@admin.register(BuybackQuote)
class BuybackQuoteAdmin(ReadOnlyAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    location_lookups = ("store",)
    list_display = ("reference", "kind", "piece", "store", "amount", "currency", "state_label", "expires_at")
    list_filter = (("state", ChoicesDropdownFilter), ("kind", ChoicesDropdownFilter))
    search_fields = ("reference", "piece__serial_number", "piece__tag_code")
    list_select_related = ("piece", "store")
    change_form_template = "admin/warranty/buybackquote/change_form.html"
    readonly_fields = [
        "reference",
        "kind",
        "piece",
        "store",
        "inspection",
        "state",
        "metal",
        "weight_g",
        "fineness_permille",
        "mark",
        "price_per_gram",
        "price_date",
        "metal_value",
        "fee",
        "amount",
        "currency",
        "lines",
        "created_at",
        "expires_at",
        "accepted_at",
        "credit",
    ]
    fields = readonly_fields

    @display(description=gettext_lazy("State"))
    def state_label(self, obj: BuybackQuote) -> str:
        return "expired" if obj.is_expired() else obj.state

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/", self.admin_site.admin_view(view), name=f"warranty_buybackquote_{name}"
            )

        return [
            path("quote/", self.admin_site.admin_view(self.quote_view), name="warranty_buybackquote_quote"),
            route("accept", self.accept_view, "accept"),
            route("withdraw", self.withdraw_view, "withdraw"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "quote_url": reverse("admin:warranty_buybackquote_quote")}
        return super().changelist_view(request, extra_context=context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        quote = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if quote is not None:
            may = request.user.has_perm(buyback.QUOTE)
            context.update(
                quote=quote,
                can_act=may and quote.state == BuybackQuote.State.OPEN and not quote.is_expired(),
                methods=Payout.Method.choices,
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _quote(self, request: HttpRequest, object_id: int) -> BuybackQuote:
        if not request.user.has_perm(buyback.QUOTE):
            raise PermissionDenied
        quote = self.get_object(request, str(object_id))
        if quote is None:
            raise PermissionDenied
        return quote

    def quote_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(buyback.QUOTE):
            raise PermissionDenied
        stores = Location.objects.filter(kind=Location.Kind.STORE, is_active=True)
        form = QuoteForm(request.POST or None)
        store_field: Any = form.fields["store"]
        store_field.queryset = stores.filter(pk__in=self._store_ids(request)) if self._scoped(request) else stores
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            piece = (
                Piece.objects.filter(serial_number=data["piece"]).first()
                or Piece.objects.filter(tag_code=data["piece"]).first()
            )
            customer = User.objects.filter(username=data["customer"]).first()
            inspection = Inspection.objects.filter(pk=data["inspection"], gate=Gate.BUYBACK).first()
            if piece is None or customer is None or inspection is None:
                messages.error(request, _("No such piece, customer or buyback test."))
            else:
                made: list[BuybackQuote] = []
                if _run(
                    request,
                    _("Quote made."),
                    lambda: made.append(
                        buyback.make_quote(
                            piece=piece,
                            kind=data["kind"],
                            store=data["store"],
                            customer=customer,
                            inspection=inspection,
                            actor=request.user,
                        )
                    ),
                ):
                    return HttpResponseRedirect(reverse("admin:warranty_buybackquote_change", args=[made[0].pk]))
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Quote a buyback or trade-in")}
        return render(request, "admin/warranty/buybackquote/quote.html", context)

    @staticmethod
    def _scoped(request: HttpRequest) -> bool:
        from auric.accounts import roles

        return roles.is_store_scoped(request.user)

    @staticmethod
    def _store_ids(request: HttpRequest) -> set[int]:
        from auric.accounts import roles

        return roles.store_location_ids(request.user)

    def accept_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        quote = self._quote(request, object_id)
        if request.method == "POST":
            _run(
                request,
                _("Quote accepted; the piece is back in stock."),
                lambda: buyback.accept_quote(
                    reference=quote.reference,
                    customer=quote.customer,
                    payout_method=str(request.POST.get("payout_method") or "")[:20],
                    payout_reference=str(request.POST.get("payout_reference") or "")[:80],
                    actor=request.user,
                ),
            )
        return HttpResponseRedirect(reverse("admin:warranty_buybackquote_change", args=[quote.pk]))

    def withdraw_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        quote = self._quote(request, object_id)
        if request.method == "POST":
            _run(
                request,
                _("Quote withdrawn."),
                lambda: buyback.withdraw_quote(reference=quote.reference, actor=request.user),
            )
        return HttpResponseRedirect(reverse("admin:warranty_buybackquote_change", args=[quote.pk]))


@admin.register(Payout)
class PayoutAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("pk", "reason", "amount", "currency", "method", "state", "created_at", "paid_at")
    list_filter = (("state", ChoicesDropdownFilter), ("reason", ChoicesDropdownFilter))
    readonly_fields = [
        "reason",
        "amount",
        "currency",
        "method",
        "reference",
        "state",
        "quote",
        "claim",
        "created_at",
        "paid_at",
    ]
    fields = readonly_fields
    actions = ["mark_paid"]

    @admin.action(description=gettext_lazy("Mark paid (reference: the payout's id)"), permissions=["settle"])
    def mark_paid(self, request: HttpRequest, queryset: Any) -> None:
        for payout in queryset.filter(state=Payout.State.OWED):
            self._mark_paid(request, payout)

    @staticmethod
    def _mark_paid(request: HttpRequest, payout: Payout) -> None:
        _run(
            request,
            _("Payout %(id)s marked paid.") % {"id": payout.pk},
            lambda: buyback.mark_payout_paid(payout=payout, reference=f"payout-{payout.pk}", actor=request.user),
        )

    def has_settle_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("warranty.settle_payout")


class DecideForm(forms.Form):
    inspection = forms.IntegerField(min_value=1, required=False)
    reason = forms.CharField(max_length=500, required=False)


@admin.register(GuaranteeClaim)
class GuaranteeClaimAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("reference", "piece", "ground", "state", "price_paid", "compensation", "filed_at")
    list_filter = (("state", ChoicesDropdownFilter), ("ground", ChoicesDropdownFilter))
    search_fields = ("reference", "piece__serial_number", "piece__tag_code", "piece_public_id")
    list_select_related = ("piece",)
    change_form_template = "admin/warranty/guaranteeclaim/change_form.html"
    readonly_fields = [
        "reference",
        "piece",
        "piece_public_id",
        "order_line",
        "sold_at",
        "ground",
        "detail",
        "report",
        "state",
        "inspection",
        "filed_at",
        "basis",
        "decision_reason",
        "decided_at",
        "price_paid",
        "currency",
        "compensation",
        "refund_amount",
        "refund",
        "compensated_at",
    ]
    fields = readonly_fields

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        claim = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if claim is not None:
            may = request.user.has_perm(claims.DECIDE)
            context.update(
                claim=claim,
                can_decide=may and claim.state == GuaranteeClaim.State.FILED,
                can_compensate=may and claim.state == GuaranteeClaim.State.UPHELD,
                retests=list(
                    Inspection.objects.filter(piece_id=claim.piece_id, gate=Gate.CLAIM, opened_at__gte=claim.filed_at)
                    .select_related("station")
                    .order_by("-opened_at")[:10]
                ),
                stations=claims.retest_stations(claim),
                methods=Payout.Method.choices,
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(
                f"<int:object_id>/{suffix}/", self.admin_site.admin_view(view), name=f"warranty_guaranteeclaim_{name}"
            )

        return [
            route("retest", self.retest_view, "retest"),
            route("link", self.link_view, "link"),
            route("decide", self.decide_view, "decide"),
            route("compensate", self.compensate_view, "compensate"),
            *super().get_urls(),
        ]

    def _claim(self, request: HttpRequest, object_id: int) -> GuaranteeClaim:
        if not request.user.has_perm(claims.DECIDE):
            raise PermissionDenied
        claim = self.get_object(request, str(object_id))
        if claim is None:
            raise PermissionDenied
        return claim

    def _back(self, claim: GuaranteeClaim) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:warranty_guaranteeclaim_change", args=[claim.pk]))

    def retest_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        """Open the independent re-test (a CLAIM-gate inspection) at a chosen station."""
        from auric.quality import services as quality

        claim = self._claim(request, object_id)
        if request.method == "POST":
            station = Location.objects.filter(pk=str(request.POST.get("station") or "0")[:12] or 0).first()
            if station is None:
                messages.error(request, _("Choose a store or warehouse."))
            else:
                _run(
                    request,
                    _("Re-test opened; inspectors enter their readings in the inspection queue."),
                    lambda: quality.open_inspection(
                        piece=claim.piece, gate=Gate.CLAIM, station=station, reference=f"claim {claim.reference}"
                    ),
                )
        return self._back(claim)

    def link_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self._claim(request, object_id)
        if request.method == "POST":
            form = DecideForm(request.POST)
            inspection = (
                Inspection.objects.filter(pk=form.cleaned_data["inspection"]).first()
                if form.is_valid() and form.cleaned_data["inspection"]
                else None
            )
            if inspection is None:
                messages.error(request, _("Choose the re-test."))
            else:
                _run(
                    request,
                    _("Re-test linked."),
                    lambda: claims.link_retest(claim=claim, inspection=inspection, actor=request.user),
                )
        return self._back(claim)

    def decide_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self._claim(request, object_id)
        if request.method == "POST":
            outcome = str(request.POST.get("outcome") or "")
            _run(
                request,
                _("Claim decided."),
                lambda: claims.decide_claim(
                    claim=claim,
                    upheld=outcome in ("retest", "report"),
                    basis=outcome if outcome in ("retest", "report") else "",
                    reason=str(request.POST.get("reason") or "")[:500],
                    actor=request.user,
                ),
            )
        return self._back(claim)

    def compensate_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self._claim(request, object_id)
        if request.method == "POST":
            _run(
                request,
                _("Compensation paid: the refund through the order's payment, the rest as a payout."),
                lambda: claims.compensate_claim(
                    claim=claim, payout_method=str(request.POST.get("payout_method") or "")[:20], actor=request.user
                ),
            )
        return self._back(claim)


class ReportForm(forms.Form):
    piece = forms.CharField(max_length=40, help_text=gettext_lazy("Serial number or tag code"))
    issuer = forms.CharField(max_length=80)
    report_number = forms.CharField(max_length=60)
    file = forms.FileField()


@admin.register(InspectionReport)
class InspectionReportAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("issuer", "report_number", "piece", "content_type", "size", "by_staff", "uploaded_at")
    search_fields = ("issuer", "report_number", "sha256", "piece__serial_number", "piece_public_id")
    readonly_fields = [
        "piece",
        "piece_public_id",
        "issuer",
        "report_number",
        "file",
        "content_type",
        "size",
        "sha256",
        "by_staff",
        "uploaded_at",
    ]
    fields = readonly_fields

    def get_urls(self) -> list[Any]:
        return [
            path("attach/", self.admin_site.admin_view(self.attach_view), name="warranty_inspectionreport_attach"),
            *super().get_urls(),
        ]

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {**(extra_context or {}), "attach_url": reverse("admin:warranty_inspectionreport_attach")}
        return super().changelist_view(request, extra_context=context)

    def attach_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm(reports.ATTACH_ANY):
            raise PermissionDenied
        form = ReportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            piece = (
                Piece.objects.filter(serial_number=data["piece"]).first()
                or Piece.objects.filter(tag_code=data["piece"]).first()
            )
            if piece is None:
                messages.error(request, _("No such piece."))
            elif _run(
                request,
                _("Report attached; its SHA-256 is in the piece's history."),
                lambda: reports.attach_report(
                    piece=piece,
                    issuer=data["issuer"],
                    report_number=data["report_number"],
                    upload=data["file"],
                    user=request.user,
                    by_staff=True,
                ),
            ):
                return HttpResponseRedirect(reverse("admin:warranty_inspectionreport_changelist"))
        context = {**self.admin_site.each_context(request), "form": form, "title": _("Attach a third-party report")}
        return render(request, "admin/warranty/inspectionreport/attach.html", context)
