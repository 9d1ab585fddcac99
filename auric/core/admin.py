"""Back office for the shared kernel (audit log, outbox) and the mixins every app's admin uses.

Admin pages never write rows themselves where a service exists: `ServiceFormAdminMixin` lets a
ModelAdmin's save hooks call a service and, when the service rejects the input with a
`DomainError`, shows its messages on the same form (nothing is written: the admin's transaction is
rolled back). `ReadOnlyAdminMixin` makes journals and logs viewable but unchangeable by anyone,
superusers included.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import action, display

from auric.core import events
from auric.core.errors import DomainError
from auric.core.models import AuditEntry, HandlerRun, OutboxEvent

_SERVICE_ERROR = "_auric_service_error"


def _with_service_error(form_class: type[BaseForm], error: DomainError) -> type[BaseForm]:
    """A subclass of the admin form that reports a service's rejection as form errors."""

    class RejectedByService(form_class):  # type: ignore[valid-type,misc]
        def clean(self) -> Any:
            cleaned = super().clean()
            if not error.errors:
                self.add_error(None, error.detail)
            for field, field_messages in error.errors.items():
                for message in field_messages:
                    if field in self.fields:
                        self.add_error(field, message)
                    else:
                        self.add_error(None, f"{field}: {message}")
            return cleaned

    RejectedByService.__name__ = form_class.__name__
    return RejectedByService


def error_text(error: DomainError) -> str:
    """A refused service call as one message for the back office: the detail, then each field's errors."""
    detail = str(error.detail)
    for field, field_messages in (error.errors or {}).items():
        detail += f" {field}: {'; '.join(str(m) for m in field_messages)}"
    return detail


def adopt(target: Any, saved: Any) -> None:
    """Make the admin's unsaved instance the row a service saved (the admin redirects by its pk)."""
    for field in type(saved)._meta.concrete_fields:
        setattr(target, field.attname, getattr(saved, field.attname))
    target._state.adding = False
    target._state.db = saved._state.db


class ServiceFormAdminMixin:
    """Show a service's `DomainError` on the change form instead of a server error.

    The save hooks (`save_model`, `save_related`, `save_formset`) call services. When one raises,
    the admin's transaction is rolled back and the same POST is rendered again, with the service's
    field errors attached to the bound form.
    """

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except DomainError as error:
            setattr(request, _SERVICE_ERROR, error)
            return super().changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)  # type: ignore[misc]
        error = getattr(request, _SERVICE_ERROR, None)
        return _with_service_error(form, error) if error is not None else form


class ReadOnlyAdminMixin:
    """Nobody adds, changes or deletes these rows through the back office; they can only be read."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_label", "reason")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_label", "actor_label", "reason")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("delivery")
    parameter_name = "delivery"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("pending", _("Pending")),
            ("failed", _("Failed")),
            ("dispatched", _("Delivered")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "pending":
            return queryset.filter(dispatched_at__isnull=True, gave_up_at__isnull=True)
        if self.value() == "failed":
            return queryset.filter(dispatched_at__isnull=True).filter(Q(gave_up_at__isnull=False) | Q(attempts__gt=0))
        if self.value() == "dispatched":
            return queryset.filter(dispatched_at__isnull=False)
        return queryset


class HandlerRunInline(ReadOnlyAdminMixin, TabularInline):
    model = HandlerRun
    fields = ("handler", "attempts", "succeeded_at", "last_attempt_at", "last_error")
    readonly_fields = fields
    extra = 0


@admin.register(OutboxEvent)
class OutboxEventAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("occurred_at", "name", "aggregate", "attempts", "delivery", "next_attempt_at")
    list_filter = (OutboxStateFilter, "name")
    search_fields = ("name", "aggregate", "id")
    readonly_fields = [f.name for f in OutboxEvent._meta.fields]
    inlines = [HandlerRunInline]
    actions = ["retry_delivery"]

    @display(
        description=_("Delivery"),
        label={"delivered": "success", "failed": "danger", "pending": "warning", "retrying": "info"},
    )
    def delivery(self, obj: OutboxEvent) -> str:
        if obj.dispatched_at:
            return "delivered"
        if obj.gave_up_at:
            return "failed"
        return "retrying" if obj.attempts else "pending"

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("core.view_outboxevent") and request.user.is_staff

    @action(description=_("Retry delivery now"), permissions=["retry"])
    def retry_delivery(self, request: HttpRequest, queryset: QuerySet[OutboxEvent]) -> None:
        delivered = failed = 0
        for event_id in queryset.filter(dispatched_at__isnull=True).values_list("pk", flat=True):
            if events.dispatch(event_id):
                delivered += 1
            else:
                failed += 1
        self.message_user(
            request, _("Delivered %(ok)d event(s); %(bad)d still failing.") % {"ok": delivered, "bad": failed}
        )
        if failed:
            messages.warning(request, _("See the handler runs of the failing events for the error."))


class HandlerRunStateFilter(admin.SimpleListFilter):
    title = _("result")
    parameter_name = "result"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("failed", _("Failed")), ("succeeded", _("Succeeded"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "failed":
            return queryset.filter(succeeded_at__isnull=True)
        if self.value() == "succeeded":
            return queryset.filter(succeeded_at__isnull=False)
        return queryset


@admin.register(HandlerRun)
class HandlerRunAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("handler", "event_link", "attempts", "succeeded_at", "last_attempt_at")
    list_filter = (HandlerRunStateFilter, "handler")
    search_fields = ("handler", "event__name", "event__id")
    readonly_fields = [f.name for f in HandlerRun._meta.fields]
    list_select_related = ("event",)
    actions = ["retry_event"]

    @display(description=_("Event"))
    def event_link(self, obj: HandlerRun) -> str:
        return format_html('<a href="../outboxevent/{}/change/">{}</a>', obj.event_id, obj.event.name)

    def has_retry_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("core.view_outboxevent") and request.user.is_staff

    @action(description=_("Retry the events of these runs"), permissions=["retry"])
    def retry_event(self, request: HttpRequest, queryset: QuerySet[HandlerRun]) -> None:
        event_ids = set(queryset.filter(event__dispatched_at__isnull=True).values_list("event_id", flat=True))
        delivered = sum(1 for event_id in event_ids if events.dispatch(event_id))
        self.message_user(
            request, _("Delivered %(ok)d of %(all)d event(s).") % {"ok": delivered, "all": len(event_ids)}
        )
