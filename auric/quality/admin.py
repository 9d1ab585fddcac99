"""Back office for quality: the inspection queue of the stations a user works at (with a scan box for
a tag's QR or barcode), the blind entry form for a reading, pass rates with charts, tolerances and
spot-check plans. Every change is a call to `auric.quality.services`.

Inspectors and store staff see the inspections of their own locations only (`StoreScopedAdminMixin`
on the station); another station's inspection is a 403.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin
from unfold.contrib.filters.admin import ChoicesDropdownFilter, RelatedDropdownFilter

from auric.accounts import roles
from auric.catalog.models import Piece
from auric.core.admin import ReadOnlyAdminMixin, error_text
from auric.core.errors import DomainError
from auric.inventory.admin import StoreScopedAdminMixin
from auric.inventory.models import Location
from auric.quality import measures, rules, scorecards, selectors, services
from auric.quality.models import Gate, Inspection, Reading, SamplingPlan, SpotCheckSample, Supplier, Tolerance

INSPECT = "quality.inspect"
SENIOR = "quality.senior_inspect"
STATS_DAYS = 30
DEFECT_ROWS = 3
QUANTITY_LABELS = {
    "weight": gettext_lazy("Weight"),
    "fineness": gettext_lazy("Fineness"),
    "carat": gettext_lazy("Main stone (carat)"),
    "length": gettext_lazy("Length"),
    "width": gettext_lazy("Width"),
    "height": gettext_lazy("Height"),
}
GRADE_LABELS = {"colour": gettext_lazy("Colour"), "clarity": gettext_lazy("Clarity")}
# The stored names of what a piece needs measured, as the entry form calls them.
VALUE_LABELS = {
    **{stored: QUANTITY_LABELS[name] for name, stored in measures.INPUT_NAMES.items()},
    **GRADE_LABELS,
    "stone_count": gettext_lazy("Stone count"),
}


def reading_values(post: Any) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The values of the entry form as `services.record_reading` takes them (value + unit)."""
    values: dict[str, Any] = {}
    for name in measures.INPUT_NAMES:
        raw = str(post.get(name) or "").strip()
        if raw:
            values[name] = {"value": raw, "unit": str(post.get(f"{name}_unit") or "")}
    for name in ("colour", "clarity"):
        if raw := str(post.get(name) or "").strip():
            values[name] = raw
    if raw := str(post.get("stone_count") or "").strip():
        values["stone_count"] = int(raw) if raw.isdigit() else raw
    defects = [
        {"kind": kind, "severity": str(post.get(f"defect_{i}_severity") or "minor"), "note": ""}
        for i in range(DEFECT_ROWS)
        if (kind := str(post.get(f"defect_{i}_kind") or "").strip())
    ]
    return values, defects


@admin.register(Inspection)
class InspectionAdmin(StoreScopedAdminMixin, ModelAdmin):
    location_lookups = ("station",)
    list_display = ("pk", "piece", "gate", "station", "state", "reference", "opened_at", "decided_at")
    list_filter = (
        ("state", ChoicesDropdownFilter),
        ("gate", ChoicesDropdownFilter),
        ("station", RelatedDropdownFilter),
    )
    list_filter_submit = True
    search_fields = ("piece__serial_number", "piece__tag_code", "reference")
    list_select_related = ("piece", "station")
    ordering = ("-opened_at", "-pk")
    change_form_template = "admin/quality/inspection/change_form.html"
    readonly_fields = ("piece", "gate", "station", "state", "reference", "opened_at", "decided_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # readings go through the entry form, never by editing the row

    # --- pages ------------------------------------------------------------------------------------

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(suffix, self.admin_site.admin_view(view), name=f"quality_inspection_{name}")

        return [
            route("queue/", self.queue_view, "queue"),
            route("stats/", self.stats_view, "stats"),
            route("<int:object_id>/reading/", self.reading_view, "reading"),
            route("<int:object_id>/photo/", self.photo_view, "photo"),
            *super().get_urls(),
        ]

    def _stations(self, request: HttpRequest) -> list[Location]:
        stations = Location.objects.filter(is_active=True).exclude(kind=Location.Kind.IN_TRANSIT)
        if roles.is_store_scoped(request.user):
            stations = stations.filter(pk__in=roles.store_location_ids(request.user))
        return list(stations.order_by("name"))

    def queue_view(self, request: HttpRequest) -> HttpResponse:
        """Open inspections of the user's stations; a scanned tag opens (or starts) its inspection."""
        if not request.user.has_perm(INSPECT):
            raise PermissionDenied
        stations = self._stations(request)
        if request.method == "POST":
            return self._start_from_scan(request, stations)
        if tag := str(request.GET.get("tag") or "").strip()[:64]:
            found = Inspection.objects.filter(
                Q(piece__tag_code=tag) | Q(piece__serial_number=tag),
                state__in=Inspection.OPEN_STATES,
                station__in=stations,
            ).first()
            if found is not None:
                return HttpResponseRedirect(reverse("admin:quality_inspection_change", args=[found.pk]))
            messages.warning(request, _("No open inspection for %(tag)s at your stations.") % {"tag": tag})
        queue = {station: list(selectors.station_queue(station.pk)[:200]) for station in stations}
        context = {
            **self.admin_site.each_context(request),
            "title": _("Inspection queue"),
            "queue": queue,
            "stations": stations,
            "gates": Gate.choices,
        }
        return TemplateResponse(request, "admin/quality/inspection/queue.html", context)

    def _start_from_scan(self, request: HttpRequest, stations: list[Location]) -> HttpResponse:
        tag = str(request.POST.get("tag") or "").strip()[:64]
        station = next((s for s in stations if str(s.pk) == str(request.POST.get("station"))), None)
        piece = Piece.objects.filter(Q(tag_code=tag) | Q(serial_number=tag)).first() if tag else None
        if station is None or piece is None:
            messages.error(request, _("Scan a piece's tag and choose one of your stations."))
            return HttpResponseRedirect(reverse("admin:quality_inspection_queue"))
        try:
            inspection = services.open_inspection(
                piece=piece,
                gate=str(request.POST.get("gate") or ""),
                station=station,
                actor=request.user,
                reference=str(request.POST.get("reference") or "")[:60],
            )
        except DomainError as error:
            messages.error(request, error_text(error))
            return HttpResponseRedirect(reverse("admin:quality_inspection_queue"))
        return HttpResponseRedirect(reverse("admin:quality_inspection_change", args=[inspection.pk]))

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        inspection = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if inspection is not None:
            taken = set(inspection.readings.values_list("role", flat=True))
            mine = inspection.readings.filter(inspector=request.user).exists()
            declared = rules.declared(Piece.objects.select_related("variant").get(pk=inspection.piece_id))
            open_roles = []
            if inspection.is_open and request.user.has_perm(INSPECT) and not mine:
                if inspection.state == Inspection.State.ESCALATED:
                    open_roles = [Reading.Role.SENIOR] if request.user.has_perm(SENIOR) else []
                else:
                    open_roles = [r for r in (Reading.Role.INSTRUMENT, Reading.Role.PERSON) if r not in taken]
            context.update(
                inspection=inspection,
                readings=selectors.visible_readings(inspection, request.user),
                hidden_readings=len(taken) - len(selectors.visible_readings(inspection, request.user)),
                open_roles=[(role, Reading.Role(role).label) for role in open_roles],
                required=[str(VALUE_LABELS[name]) for name in declared.required()],
                core=[str(VALUE_LABELS[name]) for name in declared.core()],
                quantities=[
                    (name, QUANTITY_LABELS[name], list(measures.QUANTITIES[stored].units))
                    for name, stored in measures.INPUT_NAMES.items()
                ],
                grades=[(name, GRADE_LABELS[name], scale) for name, scale in rules.GRADE_SCALES.items()],
                defect_kinds=sorted(measures.DEFECT_KINDS),
                defect_rows=range(DEFECT_ROWS),
                photos=list(inspection.photos.all()),
                may_photo=inspection.is_open and request.user.has_perm(INSPECT),
            )
        return super().change_view(request, object_id, form_url, extra_context=context)

    def _inspection(self, request: HttpRequest, object_id: int) -> Inspection:
        if not request.user.has_perm(INSPECT):
            raise PermissionDenied
        inspection = self.get_object(request, str(object_id))
        if inspection is None:
            raise PermissionDenied
        return inspection

    def _back(self, inspection: Inspection) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:quality_inspection_change", args=[inspection.pk]))

    def reading_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        inspection = self._inspection(request, object_id)
        if request.method != "POST":
            return self._back(inspection)
        values, defects = reading_values(request.POST)
        try:
            decided = services.record_reading(
                inspection=inspection,
                role=str(request.POST.get("role") or ""),
                inspector=request.user,
                values=values,
                defects=defects,
                instrument_id=str(request.POST.get("instrument_id") or ""),
            )
        except DomainError as error:
            messages.error(request, error_text(error))
        else:
            messages.success(request, _("Reading recorded: %(state)s.") % {"state": decided.get_state_display()})
        return self._back(inspection)

    def photo_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        inspection = self._inspection(request, object_id)
        upload = request.FILES.get("photo")
        if request.method == "POST" and upload is not None:
            try:
                services.add_photo(inspection=inspection, upload=upload, actor=request.user)
            except DomainError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(request, _("Photo added."))
        return self._back(inspection)

    def stats_view(self, request: HttpRequest) -> HttpResponse:
        if not request.user.has_perm("quality.view_inspection"):
            raise PermissionDenied
        since = timezone.now() - timedelta(days=STATS_DAYS)
        scope = roles.store_location_ids(request.user) if roles.is_store_scoped(request.user) else None
        by_inspector = selectors.pass_rates_by_inspector(since=since, station_ids=scope)
        by_station = selectors.pass_rates_by_station_and_gate(since=since, station_ids=scope)
        by_supplier: list[selectors.PassRate] = []
        if scope is None:  # suppliers deliver to every location: head office only
            today = timezone.localdate()
            for supplier in Supplier.objects.filter(status=Supplier.Status.APPROVED).order_by("code"):
                card = scorecards.scorecard(supplier=supplier, start=today - timedelta(days=STATS_DAYS), end=today)
                if card.inspections_decided:
                    by_supplier.append(
                        selectors.PassRate(supplier.name, card.inspections_decided, card.inspections_passed, 0)
                    )

        def chart(rows: list[selectors.PassRate]) -> str:
            return json.dumps(
                {
                    "labels": [row.label for row in rows],
                    "datasets": [
                        {
                            "label": _("Pass rate (%)"),
                            "data": [round(100 * (row.rate or 0), 1) for row in rows],
                            "backgroundColor": "var(--color-primary-600)",
                        }
                    ],
                },
                ensure_ascii=False,
            )

        context = {
            **self.admin_site.each_context(request),
            "title": _("QC pass rates, last %(days)s days") % {"days": STATS_DAYS},
            "by_inspector": by_inspector,
            "by_station": by_station,
            "inspector_chart": chart(by_inspector),
            "station_chart": chart(by_station),
            "by_supplier": by_supplier,
            "supplier_chart": chart(by_supplier),
        }
        return TemplateResponse(request, "admin/quality/inspection/stats.html", context)


@admin.register(Tolerance)
class ToleranceAdmin(ModelAdmin):
    list_display = ("attribute", "against", "up_to_weight_g", "plus_minus")
    list_filter = ("attribute", "against")


@admin.register(SamplingPlan)
class SamplingPlanAdmin(ModelAdmin):
    list_display = ("location", "category", "sample_size", "every_days", "next_due", "is_active")
    list_filter = ("is_active", ("location", RelatedDropdownFilter))
    actions = ("draw_now",)

    @admin.action(description=gettext_lazy("Draw a spot-check sample now"))
    def draw_now(self, request: HttpRequest, queryset: Any) -> None:
        for plan in queryset.filter(is_active=True):
            try:
                sample = services.draw_spot_check(plan=plan)
            except DomainError as error:
                messages.error(request, error_text(error))
            else:
                messages.success(
                    request,
                    _("%(count)s pieces drawn at %(location)s.")
                    % {"count": sample.inspections.count(), "location": plan.location},
                )


@admin.register(SpotCheckSample)
class SpotCheckSampleAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("pk", "plan", "drawn_at", "population")


from auric.quality import supplier_admin  # noqa: E402, F401  (suppliers and elimination: docs/suppliers.md)
