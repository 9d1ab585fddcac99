"""Back office for stock: locations, piece stock, the journal, reservations, transfers, quantity stock,
and the pieces/stock CSV import and export.

The journal (`StockMovement`) and the running state it produces (`PieceStock`) are read-only for
everyone: stock moves only through `inventory.services`. Store staff (see `accounts.roles`) see the
rows of their own stores only; opening another store's row answers 403.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RangeDateFilter, RelatedDropdownFilter
from unfold.decorators import action, display

from auric.accounts import roles
from auric.catalog.models import Piece
from auric.core.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin, adopt
from auric.core.admin_csv import CsvImportProgressView, CsvImportView
from auric.inventory.models import Franchise, Location, PieceStock, Reservation, StockLevel, StockMovement, Transfer


class StoreScopedAdminMixin:
    """Store staff see only rows of the locations they staff; other rows are forbidden (403)."""

    # The lookup(s) from the row to its Location; a row matches when any of them is one of the user's.
    location_lookups: tuple[str, ...] = ("location",)

    def _scope(self, user: Any) -> Q:
        ids = roles.store_location_ids(user)
        query = Q()
        for lookup in self.location_lookups:
            query |= Q(**{f"{lookup}__in": ids})
        return query

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)  # type: ignore[misc]
        if roles.is_store_scoped(request.user):
            queryset = queryset.filter(self._scope(request.user)).distinct()
        return queryset

    def get_object(self, request: HttpRequest, object_id: str, from_field: str | None = None) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None and roles.is_store_scoped(request.user):
            model: type[Model] = self.model  # type: ignore[attr-defined]
            field = model._meta.get_field(from_field) if from_field else model._meta.pk
            try:
                exists = model._default_manager.filter(**{field.name: field.to_python(object_id)}).exists()  # type: ignore[union-attr]
            except Exception:
                exists = False
            if exists:
                raise PermissionDenied("This row belongs to another store.")
        return obj

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Location and roles.is_store_scoped(request.user):
            kwargs["queryset"] = Location.objects.filter(pk__in=roles.store_location_ids(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]


@admin.register(Location)
class LocationAdmin(StoreScopedAdminMixin, ModelAdmin):
    location_lookups = ("pk",)
    list_display = ("code", "name", "kind", "city", "sells_online", "is_active", "piece_count")
    list_filter = ("kind", "sells_online", "is_active")
    search_fields = ("code", "name", "name_en", "city")
    autocomplete_fields = ("staff",)
    fieldsets = (
        (None, {"fields": ("code", "name", "name_en", "kind", "is_active", "sells_online")}),
        (
            _("Address"),
            {"fields": ("city", "city_en", "address", "latitude", "longitude", "opening_hours", "phone")},
        ),
        (_("Staff"), {"fields": ("staff", "franchise")}),
    )

    @display(description=_("Pieces here"))
    def piece_count(self, obj: Location) -> int:
        return obj.piece_stock.exclude(status="sold").count()


@admin.register(Franchise)
class FranchiseAdmin(StoreScopedAdminMixin, ModelAdmin):
    """Operators create franchises and name their owners; a franchisee sees their own franchise."""

    location_lookups = ("locations",)
    list_display = ("code", "name")
    search_fields = ("code", "name")
    autocomplete_fields = ("owners",)
    fields = ("code", "name", "owners")


def run_pieces_import(*, data: bytes, actor: Any, progress: Any = None) -> Any:
    from auric.inventory import csv_sync

    return csv_sync.import_pieces_csv(data=data, actor=actor, progress=progress)


def summarise_pieces_import(report: Any) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "counts": [
            (str(_("Rows in the file")), report.total),
            (str(_("Pieces registered and received into stock")), report.created),
        ],
        "errors": [{"line": e.line, "field": e.column, "message": e.message} for e in report.errors],
    }


@admin.register(PieceStock)
class PieceStockAdmin(ReadOnlyAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    list_display = ("piece", "style", "status_label", "location", "price", "updated_at")
    list_filter = (("status", ChoicesDropdownFilter), ("location", RelatedDropdownFilter))
    list_filter_submit = True
    search_fields = ("piece__serial_number", "piece__tag_code", "piece__style__code")
    list_select_related = ("piece", "piece__style", "location")
    readonly_fields = ("piece", "location", "status", "updated_at")
    actions_list = ["import_csv", "export_csv"]

    @display(description=_("Style"))
    def style(self, obj: PieceStock) -> str:
        return str(obj.piece.style)

    @display(description=_("Price"))
    def price(self, obj: PieceStock) -> Any:
        return obj.piece.price

    @display(
        description=_("Status"),
        ordering="status",
        label={
            "available": "success",
            "reserved": "warning",
            "in_transit": "info",
            "sold": "",
            "quarantined": "danger",
        },
    )
    def status_label(self, obj: PieceStock) -> tuple[str, str]:
        return obj.status, obj.get_status_display()

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(roles.PIECE_IMPORT_PERMISSION) and not roles.is_store_scoped(request.user)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    @action(description=_("Import CSV"), icon="upload", url_path="import-csv-link", permissions=["import"])
    def import_csv(self, request: HttpRequest) -> HttpResponse:
        return redirect("admin:inventory_piecestock_import")

    @action(description=_("Export CSV"), icon="download", url_path="export-csv-link", permissions=["export"])
    def export_csv(self, request: HttpRequest) -> HttpResponse:
        return redirect("admin:inventory_piecestock_export")

    def get_urls(self) -> list[Any]:
        site = self.admin_site
        import_view = CsvImportView.as_view(
            model_admin=self,
            title=_("Import pieces and stock"),
            permission_required=(roles.PIECE_IMPORT_PERMISSION,),
            kind="pieces",
            runner=run_pieces_import,
            summarise=summarise_pieces_import,
            progress_url_name="inventory_piecestock_import_progress",
            export_url_name="inventory_piecestock_export",
            help_template="admin/inventory/pieces_csv_help.html",
        )
        progress_view = CsvImportProgressView.as_view(
            model_admin=self,
            title=_("Importing pieces and stock"),
            permission_required=(roles.PIECE_IMPORT_PERMISSION,),
            kind="pieces",
            import_url_name="inventory_piecestock_import",
            changelist_url_name="inventory_piecestock_changelist",
        )
        return [
            path("import/", site.admin_view(self._guard_import(import_view)), name="inventory_piecestock_import"),
            path(
                "import/<uuid:job_id>/",
                site.admin_view(self._guard_import(progress_view)),
                name="inventory_piecestock_import_progress",
            ),
            path("export/", site.admin_view(self.export_view), name="inventory_piecestock_export"),
            *super().get_urls(),
        ]

    def _guard_import(self, view: Any) -> Any:
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not self.has_import_permission(request):
                raise PermissionDenied
            response: HttpResponse = view(request, *args, **kwargs)
            return response

        return guarded

    def export_view(self, request: HttpRequest) -> HttpResponse:
        from auric.inventory import csv_sync

        if not self.has_view_permission(request):
            raise PermissionDenied
        location_ids = None
        if roles.is_store_scoped(request.user):
            location_ids = sorted(roles.store_location_ids(request.user))
        body = _call_export(csv_sync.export_stock_csv, location_ids)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="stock-{timezone.localdate()}.csv"'
        return response


def _call_export(export: Any, location_ids: list[int] | None) -> str | bytes:
    import inspect

    parameters = inspect.signature(export).parameters
    if location_ids is not None:
        if "location_ids" not in parameters:
            # Without a way to limit the export to their stores, store staff get nothing.
            raise PermissionDenied("The stock export cannot be limited to your stores.")
        return export(location_ids=location_ids)
    return export()


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    location_lookups = ("location", "counterpart")
    list_display = ("at", "kind", "piece", "variant", "quantity", "location", "counterpart", "reference", "actor")
    list_filter = (("kind", ChoicesDropdownFilter), ("location", RelatedDropdownFilter), ("at", RangeDateFilter))
    list_filter_submit = True
    search_fields = ("piece__serial_number", "piece__tag_code", "variant__sku", "reference")
    list_select_related = ("piece", "variant", "location", "counterpart", "actor")
    readonly_fields = [f.name for f in StockMovement._meta.fields]
    date_hierarchy = "at"
    ordering = ("-at", "-id")


@admin.register(Reservation)
class ReservationAdmin(ReadOnlyAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    list_display = ("reference", "piece", "variant", "quantity", "location", "state", "created_at", "expires_at")
    list_filter = (("state", ChoicesDropdownFilter), ("location", RelatedDropdownFilter))
    search_fields = ("reference", "piece__serial_number", "variant__sku")
    list_select_related = ("piece", "variant", "location")
    readonly_fields = [f.name for f in Reservation._meta.fields]


@admin.register(StockLevel)
class StockLevelAdmin(ReadOnlyAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    list_display = ("variant", "location", "on_hand", "reserved", "available")
    list_filter = (("location", RelatedDropdownFilter),)
    search_fields = ("variant__sku", "variant__style__code")
    list_select_related = ("variant", "location")
    readonly_fields = ("variant", "location", "on_hand", "reserved")


class TransferForm(forms.ModelForm):
    note = forms.CharField(required=False, max_length=200, label=_("Note"))

    class Meta:
        model = Transfer
        fields = ("to_location", "pieces")


@admin.register(Transfer)
class TransferAdmin(ServiceFormAdminMixin, StoreScopedAdminMixin, ModelAdmin):
    form = TransferForm
    location_lookups = ("from_location", "to_location")
    list_display = ("__str__", "from_location", "to_location", "state", "piece_total", "created_at", "received_at")
    list_filter = (("state", ChoicesDropdownFilter), ("to_location", RelatedDropdownFilter))
    list_select_related = ("from_location", "to_location")
    autocomplete_fields = ("to_location", "pieces")
    readonly_fields = ("from_location", "state", "created_at", "received_at", "created_by")
    actions = ["receive"]

    def get_fields(self, request: HttpRequest, obj: Transfer | None = None) -> Any:
        if obj is None:
            return ("to_location", "pieces", "note")
        return ("from_location", "to_location", "pieces", "state", "created_at", "received_at", "created_by")

    @display(description=_("Pieces"))
    def piece_total(self, obj: Transfer) -> int:
        return obj.pieces.count()

    def has_change_permission(self, request: HttpRequest, obj: Transfer | None = None) -> bool:
        # A transfer is shipped once (a service) and then received (an action); never edited.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Transfer | None = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Transfer, form: forms.ModelForm, change: bool) -> None:
        from auric.inventory.services import transfer_pieces

        data = form.cleaned_data
        pieces = list(Piece.objects.filter(pk__in=[p.pk for p in data.get("pieces") or []]))
        transfer = transfer_pieces(
            pieces=pieces, to_location=data["to_location"], actor=request.user, note=data.get("note") or ""
        )
        adopt(obj, transfer)

    def save_related(self, request: HttpRequest, form: forms.ModelForm, formsets: Any, change: bool) -> None:
        pass  # the service set the transfer's pieces

    def has_receive_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("inventory.change_transfer")

    @action(description=_("Receive the selected transfers"), permissions=["receive"])
    def receive(self, request: HttpRequest, queryset: QuerySet[Transfer]) -> None:
        from auric.core.errors import DomainError
        from auric.inventory.services import receive_transfer

        done = 0
        if roles.is_store_scoped(request.user):
            # Only the receiving store takes a transfer in; the sending store only sees it.
            theirs = queryset.exclude(to_location__in=roles.store_location_ids(request.user))
            for transfer in theirs:
                messages.error(request, _("%(transfer)s is not coming to your store.") % {"transfer": transfer})
            queryset = queryset.filter(to_location__in=roles.store_location_ids(request.user))
        for transfer in queryset.filter(state=Transfer.State.IN_TRANSIT):
            try:
                receive_transfer(transfer=transfer, actor=request.user)
                done += 1
            except DomainError as error:
                messages.error(request, f"{transfer}: {error.detail}")
        self.message_user(request, _("%(count)d transfer(s) received.") % {"count": done})
