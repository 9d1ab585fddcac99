"""Back office for risk: the rule-set versions (a new version per edit), the decisions with their
reasons, and the review queue of held orders (approve / reject with a note).

Who: operators manage rules and decide reviews; customer service decides reviews and reads the rest
(`accounts.roles`). Everything is written through `risk.services`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.admin import ModelAdmin, TabularInline
from unfold.decorators import display

from auric.core.admin import ReadOnlyAdminMixin, ServiceFormAdminMixin, adopt
from auric.core.errors import DomainError
from auric.risk import scoring, services
from auric.risk.models import Decision, Outcome, ReviewCase, Rule, RuleSet

DECIDE_REVIEW = "risk.decide_reviewcase"
OUTCOME_COLOURS = {Outcome.ALLOW: "success", Outcome.STEP_UP: "info", Outcome.HOLD: "warning", Outcome.BLOCK: "danger"}


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


def signals_table(signals: list[dict[str, Any]]) -> str:
    """Every signal of a decision: value, threshold, weight, points; fired ones first."""
    rows = sorted(signals, key=lambda s: not s.get("fired"))
    body = format_html_join(
        "",
        '<tr class="{}"><td class="pr-3">{}</td><td class="pr-3">{}</td><td class="pr-3">{}</td>'
        '<td class="pr-3">{}</td><td class="pr-3">{}</td><td>{}</td></tr>',
        (
            (
                "font-semibold" if s.get("fired") else "opacity-60",
                s.get("label", s.get("signal")),
                s.get("detail", ""),
                s.get("value") if s.get("value") is not None else "—",
                s.get("threshold"),
                s.get("weight"),
                f"+{s.get('points')}" if s.get("fired") else "0",
            )
            for s in rows
        ),
    )
    head = format_html(
        "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        _("Signal"),
        _("Observed"),
        _("Value"),
        _("Threshold"),
        _("Weight"),
        _("Points"),
    )
    return format_html('<table class="text-sm text-left">{}{}</table>', head, body)


def reasons_list(reasons: list[str]) -> str:
    return format_html("<ul>{}</ul>", format_html_join("", "<li>{}</li>", ((r,) for r in reasons)))


# --- rule sets ------------------------------------------------------------------------------------


def _rule_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {}
    for spec in scoring.SIGNALS:
        fields[f"{spec.code}__weight"] = forms.IntegerField(
            label=gettext_lazy("Weight"), min_value=0, max_value=services.MAX_WEIGHT
        )
        fields[f"{spec.code}__threshold"] = forms.DecimalField(
            label=gettext_lazy("Threshold"), min_value=Decimal(0), max_digits=12, decimal_places=2
        )
        fields[f"{spec.code}__window_days"] = forms.IntegerField(
            label=gettext_lazy("Window (days)"), min_value=0, max_value=3650
        )
        fields[f"{spec.code}__enabled"] = forms.BooleanField(label=gettext_lazy("Enabled"), required=False)
    return fields


RuleSetForm = type(
    "RuleSetForm",
    (forms.ModelForm,),
    {
        **_rule_fields(),
        "Meta": type("Meta", (), {"model": RuleSet, "fields": ["note", "step_up_at", "hold_at", "block_at"]}),
    },
)


class RuleInline(ReadOnlyAdminMixin, TabularInline):
    model = Rule
    fields = ("signal", "enabled", "weight", "threshold", "window_days")
    readonly_fields = fields
    extra = 0


@admin.register(RuleSet)
class RuleSetAdmin(ServiceFormAdminMixin, ModelAdmin):
    """Saved versions are read-only; "Add" is "new version", prefilled with the active one."""

    form = RuleSetForm
    list_display = ("version", "is_active", "step_up_at", "hold_at", "block_at", "created_at", "created_by", "note")
    list_filter = ("is_active",)
    ordering = ("-version",)

    def get_inlines(self, request: HttpRequest, obj: RuleSet | None) -> list[type]:
        return [RuleInline] if obj is not None else []

    def get_fieldsets(self, request: HttpRequest, obj: RuleSet | None = None) -> Any:
        if obj is not None:
            return [(None, {"fields": ("version", "is_active", "note", "step_up_at", "hold_at", "block_at",
                                       "created_at", "created_by")})]  # fmt: skip
        return [
            (gettext_lazy("Outcome thresholds (score at or above)"), {"fields": (("step_up_at", "hold_at", "block_at"), "note")}),
            *(
                (
                    spec.label,
                    {
                        "fields": ((f"{spec.code}__weight", f"{spec.code}__threshold", f"{spec.code}__window_days",
                                    f"{spec.code}__enabled"),),
                        "description": f"{spec.help} ({', '.join(sorted(spec.subjects))})",
                    },
                )
                for spec in scoring.SIGNALS
            ),
        ]  # fmt: skip

    def get_readonly_fields(self, request: HttpRequest, obj: RuleSet | None = None) -> Any:
        return [f.name for f in RuleSet._meta.fields] if obj is not None else []

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        current = RuleSet.objects.filter(is_active=True).first()
        initial: dict[str, Any] = dict(scoring.DEFAULT_THRESHOLDS)
        rules = {r.signal: r for r in current.rules.all()} if current else {}
        if current is not None:
            initial.update(step_up_at=current.step_up_at, hold_at=current.hold_at, block_at=current.block_at)
        for spec in scoring.SIGNALS:
            rule = rules.get(spec.code)
            initial[f"{spec.code}__weight"] = rule.weight if rule else spec.weight
            initial[f"{spec.code}__threshold"] = rule.threshold if rule else spec.threshold
            initial[f"{spec.code}__window_days"] = rule.window_days if rule else spec.window_days
            initial[f"{spec.code}__enabled"] = rule.enabled if rule else (current is None)
        return initial

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: RuleSet, form: forms.ModelForm, change: bool) -> None:
        data = form.cleaned_data
        saved = services.publish_rule_set(
            rules=[
                services.RuleSpec(
                    signal=spec.code,
                    weight=data[f"{spec.code}__weight"],
                    threshold=data[f"{spec.code}__threshold"],
                    window_days=data[f"{spec.code}__window_days"],
                    enabled=bool(data.get(f"{spec.code}__enabled")),
                )
                for spec in scoring.SIGNALS
            ],
            step_up_at=data["step_up_at"],
            hold_at=data["hold_at"],
            block_at=data["block_at"],
            note=data.get("note") or "",
            actor=request.user,
        )
        adopt(obj, saved)


# --- decisions ------------------------------------------------------------------------------------


class DecisionAdminMixin:
    @display(description=gettext_lazy("Outcome"), ordering="outcome", label=OUTCOME_COLOURS)
    def outcome_label(self, obj: Decision) -> tuple[str, str]:
        return obj.outcome, obj.get_outcome_display()


@admin.register(Decision)
class DecisionAdmin(DecisionAdminMixin, ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("decided_at", "subject", "order", "user", "score", "outcome_label", "rule_set")
    list_filter = ("subject", "outcome", "rule_set")
    list_select_related = ("order", "user", "rule_set")
    search_fields = ("order__number", "user__username")
    date_hierarchy = "decided_at"
    fields = (
        "decided_at", "subject", "order", "user", "amount", "currency", "score", "outcome", "rule_set",
        "reasons_view", "signals_view", "client", "source_event",
    )  # fmt: skip
    readonly_fields = fields

    @display(description=gettext_lazy("Reasons"))
    def reasons_view(self, obj: Decision) -> str:
        return reasons_list(obj.reasons)

    @display(description=gettext_lazy("Signals"))
    def signals_view(self, obj: Decision) -> str:
        return signals_table(obj.signals)


# --- the review queue -----------------------------------------------------------------------------


class ReviewStateFilter(admin.SimpleListFilter):
    """The queue (open cases) by default; decided ones and all on request."""

    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        decided = [(s.value, s.label) for s in ReviewCase.State if s != ReviewCase.State.OPEN]
        return [*decided, ("all", _("All"))]

    def choices(self, changelist: Any) -> Any:
        choices = list(super().choices(changelist))
        if choices:  # the filter's own "no value" entry is the queue, not everything
            choices[0] = {**choices[0], "display": ReviewCase.State.OPEN.label}
        return choices

    def queryset(self, request: HttpRequest, queryset: QuerySet[ReviewCase]) -> QuerySet[ReviewCase]:
        value = self.value()
        if value == "all":
            return queryset
        return queryset.filter(state=value or ReviewCase.State.OPEN)


@admin.register(ReviewCase)
class ReviewCaseAdmin(ReadOnlyAdminMixin, ModelAdmin):
    list_display = ("order", "order_total", "score", "fired_signals", "opened_at", "in_queue", "state", "decided_by")
    list_filter = (ReviewStateFilter,)
    list_select_related = ("order", "decision", "decided_by")
    search_fields = ("order__number",)
    ordering = ("opened_at", "id")
    change_form_template = "admin/risk/reviewcase/change_form.html"
    fields = (
        "order", "order_total", "state", "score", "opened_at", "in_queue", "decided_at", "decided_by", "note",
        "reasons_view", "signals_view", "client_view",
    )  # fmt: skip
    readonly_fields = fields

    @display(description=gettext_lazy("Total"))
    def order_total(self, obj: ReviewCase) -> str:
        return f"{obj.order.total} {obj.order.currency}"

    @display(description=gettext_lazy("Score"), ordering="decision__score")
    def score(self, obj: ReviewCase) -> int:
        return obj.decision.score

    @display(description=gettext_lazy("Signals"))
    def fired_signals(self, obj: ReviewCase) -> str:
        return ", ".join(s["label"] for s in obj.decision.signals if s.get("fired"))

    @display(description=gettext_lazy("Time in queue"))
    def in_queue(self, obj: ReviewCase) -> str:
        return _duration(obj.time_in_queue)

    @display(description=gettext_lazy("Reasons"))
    def reasons_view(self, obj: ReviewCase) -> str:
        return reasons_list(obj.decision.reasons)

    @display(description=gettext_lazy("Signals"))
    def signals_view(self, obj: ReviewCase) -> str:
        return signals_table(obj.decision.signals)

    @display(description=gettext_lazy("Client"))
    def client_view(self, obj: ReviewCase) -> str:
        client = obj.decision.client or {}
        return " · ".join(f"{k}: {v}" for k, v in client.items() if v) or "—"

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        case = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if case is not None:
            context.update(
                case=case,
                can_decide=case.state == ReviewCase.State.OPEN and request.user.has_perm(DECIDE_REVIEW),
                pay_by=case.order.pay_by,
                expires_in=_duration(max(case.order.pay_by - timezone.now(), timedelta(0))),
            )
        return super().change_view(request, object_id, form_url, context)

    def get_urls(self) -> list[Any]:
        def route(suffix: str, view: Callable[..., HttpResponse], name: str) -> Any:
            return path(f"<int:object_id>/{suffix}/", self.admin_site.admin_view(view), name=f"risk_reviewcase_{name}")

        return [
            route("approve", self.approve_view, "approve"),
            route("reject", self.reject_view, "reject"),
            *super().get_urls(),
        ]

    def _decide(
        self, request: HttpRequest, object_id: int, decide: Callable[..., ReviewCase], done: str
    ) -> HttpResponse:
        if not request.user.has_perm(DECIDE_REVIEW):
            raise PermissionDenied
        case = get_object_or_404(ReviewCase, pk=object_id)
        target = HttpResponseRedirect(reverse("admin:risk_reviewcase_change", args=[case.pk]))
        if request.method != "POST":
            return target
        try:
            decide(case=case, actor=request.user, note=str(request.POST.get("note") or ""))
        except DomainError as error:
            detail = " ".join([str(error.detail), *(f"{k}: {'; '.join(v)}" for k, v in error.errors.items())])
            messages.error(request, detail)
            return target
        messages.success(request, done)
        return HttpResponseRedirect(reverse("admin:risk_reviewcase_changelist"))

    def approve_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._decide(request, object_id, services.approve_review, _("Approved: the hold is released."))

    def reject_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        return self._decide(request, object_id, services.reject_review, _("Rejected: the order is cancelled."))
