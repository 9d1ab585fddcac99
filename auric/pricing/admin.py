"""Back office for the price book: daily metal prices (with CSV import/export), flash prices and the
public price-change log.

Metal prices are entered through `pricing.services.set_metal_price`, so an entry is audited and,
when it is today's price, every by-weight piece of that mark is repriced in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter
from unfold.decorators import action, display

from auric.accounts.roles import METAL_PRICE_IMPORT_PERMISSION
from auric.core.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin, adopt
from auric.core.admin_csv import CsvImportProgressView, CsvImportView
from auric.pricing.models import FlashPrice, MetalPrice, PriceChange


class MetalPriceForm(forms.ModelForm):
    class Meta:
        model = MetalPrice
        fields = ("metal", "fineness", "on_date", "price_per_gram", "currency")

    def validate_unique(self) -> None:
        # Setting a price again for the same day updates it: the service decides, not the form.
        pass


def summarise_metal_price_import(report: Any) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "counts": [
            (str(_("New prices")), report.created),
            (str(_("Changed prices")), report.updated),
            (str(_("Unchanged")), report.unchanged),
        ],
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }


def run_metal_price_import(*, data: bytes, actor: Any) -> Any:
    from auric.pricing.csv_import import import_metal_prices_csv

    return import_metal_prices_csv(data=data, actor=actor)


@admin.register(MetalPrice)
class MetalPriceAdmin(ServiceFormAdminMixin, ModelAdmin):
    form = MetalPriceForm
    list_display = ("on_date", "mark", "price_per_gram", "currency", "source", "entered_by")
    list_filter = (("metal", ChoicesDropdownFilter), "fineness", "source", ("on_date", RangeDateFilter))
    list_filter_submit = True
    date_hierarchy = "on_date"
    ordering = ("-on_date", "metal", "-fineness")
    list_select_related = ("entered_by",)
    readonly_fields = ("source", "entered_by", "created_at")
    actions_list = ["import_csv", "export_csv"]

    @display(description=_("Mark"))
    def mark(self, obj: MetalPrice) -> str:
        from auric.catalog import vocab

        try:
            return vocab.fineness_mark(obj.metal, obj.fineness).mark
        except Exception:
            return f"{obj.metal} {obj.fineness}‰"

    def get_readonly_fields(self, request: HttpRequest, obj: MetalPrice | None = None) -> Any:
        if obj is not None:
            return (*self.readonly_fields, "metal", "fineness", "on_date", "currency")
        return self.readonly_fields

    def has_delete_permission(self, request: HttpRequest, obj: MetalPrice | None = None) -> bool:
        return False  # the price book keeps its history

    def save_model(self, request: HttpRequest, obj: MetalPrice, form: forms.ModelForm, change: bool) -> None:
        from auric.pricing.services import set_metal_price

        data = form.cleaned_data
        saved = set_metal_price(
            metal=data.get("metal", obj.metal),
            fineness=data.get("fineness", obj.fineness),
            on_date=data.get("on_date", obj.on_date),
            price_per_gram=data["price_per_gram"],
            currency=data.get("currency", obj.currency),
            source=MetalPrice.Source.OPERATOR,
            actor=request.user,
        )
        adopt(obj, saved)

    # --- CSV import and export (linked from the sidebar and from the list's action buttons) ---

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(METAL_PRICE_IMPORT_PERMISSION)

    @action(description=_("Import CSV"), icon="upload", url_path="import-csv-link", permissions=["import"])
    def import_csv(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect

        return redirect("admin:pricing_metalprice_import")

    @action(description=_("Export CSV"), icon="download", url_path="export-csv-link", permissions=["view"])
    def export_csv(self, request: HttpRequest) -> HttpResponse:
        from django.shortcuts import redirect

        return redirect("admin:pricing_metalprice_export")

    def get_urls(self) -> list[Any]:
        site = self.admin_site
        import_view = CsvImportView.as_view(
            model_admin=self,
            title=_("Import metal prices"),
            permission_required=(METAL_PRICE_IMPORT_PERMISSION,),
            kind="metal_prices",
            runner=run_metal_price_import,
            summarise=summarise_metal_price_import,
            progress_url_name="pricing_metalprice_import_progress",
            export_url_name="pricing_metalprice_export",
            help_template="admin/pricing/metal_price_csv_help.html",
        )
        progress_view = CsvImportProgressView.as_view(
            model_admin=self,
            title=_("Importing metal prices"),
            permission_required=(METAL_PRICE_IMPORT_PERMISSION,),
            kind="metal_prices",
            import_url_name="pricing_metalprice_import",
            changelist_url_name="pricing_metalprice_changelist",
        )
        return [
            path("import/", site.admin_view(import_view), name="pricing_metalprice_import"),
            path("import/<uuid:job_id>/", site.admin_view(progress_view), name="pricing_metalprice_import_progress"),
            path("export/", site.admin_view(self.export_view), name="pricing_metalprice_export"),
            *super().get_urls(),
        ]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        from django.core.exceptions import PermissionDenied

        from auric.pricing.csv_import import export_metal_prices_csv

        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        start = parse_date(request.GET.get("start", "") or "") or today - timedelta(days=365)
        end = parse_date(request.GET.get("end", "") or "") or today
        body = export_metal_prices_csv(start=start, end=end, currency=request.GET.get("currency") or None)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="metal-prices-{start}-{end}.csv"'
        return response

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "import_url": reverse("admin:pricing_metalprice_import"),
            "export_url": reverse("admin:pricing_metalprice_export"),
        }
        return super().changelist_view(request, extra_context)


class FlashPriceForm(forms.ModelForm):
    class Meta:
        model = FlashPrice
        fields = ("style", "label", "price", "percent_off", "starts_at", "ends_at")

    def validate_constraints(self, exclude: Any = None) -> None:
        # The service checks these with readable messages (exactly one of price / percent off …).
        pass


@admin.register(FlashPrice)
class FlashPriceAdmin(ServiceFormAdminMixin, ModelAdmin):
    form = FlashPriceForm
    list_display = ("style", "label", "price", "percent_off", "starts_at", "ends_at", "window")
    list_filter = (("starts_at", RangeDateFilter),)
    search_fields = ("style__code", "style__title", "label")
    autocomplete_fields = ("style",)
    list_select_related = ("style",)
    actions = ["end_now"]

    @display(description=_("Window"), label={"running": "success", "upcoming": "info", "ended": "danger"})
    def window(self, obj: FlashPrice) -> str:
        now = timezone.now()
        if obj.ends_at <= now:
            return "ended"
        return "running" if obj.starts_at <= now else "upcoming"

    def has_change_permission(self, request: HttpRequest, obj: FlashPrice | None = None) -> bool:
        # A flash price is created once and then ended (action), never edited in place.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: FlashPrice | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: FlashPrice, form: forms.ModelForm, change: bool) -> None:
        from auric.pricing.services import create_flash_price

        data = form.cleaned_data
        flash = create_flash_price(
            style=data["style"],
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            price=data.get("price"),
            percent_off=data.get("percent_off"),
            label=data.get("label") or "",
            actor=request.user,
        )
        adopt(obj, flash)

    def has_end_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("pricing.add_flashprice")

    @action(description=_("End the selected flash prices now"), permissions=["end"])
    def end_now(self, request: HttpRequest, queryset: QuerySet[FlashPrice]) -> None:
        from auric.pricing.services import end_flash_price

        for flash in queryset:
            end_flash_price(flash=flash, actor=request.user, reason=str(_("Ended in the back office")))
        messages.success(request, _("%(count)d flash price(s) ended.") % {"count": queryset.count()})


@admin.register(PriceChange)
class PriceChangeAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("at", "style", "piece", "old_amount", "new_amount", "currency", "reason", "note")
    list_filter = (("reason", ChoicesDropdownFilter), ("at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("style__code", "piece__serial_number", "note")
    list_select_related = ("style", "piece")
    date_hierarchy = "at"
