"""The monthly dynamic elimination (SPEC S4): rank live styles by their return and complaint rates
over a month, propose delisting the worst share, let an operator review each proposal, then
publish — approved styles are delisted through the catalog — on the public quality report.

Rules (docs/suppliers.md "Monthly elimination"; a run keeps the figures it used):
- units sold = units on order lines paid in the month; returned = units on return lines requested
  in the month (a rejected return does not count); complaints = complaints opened in the month.
- return rate = returned / sold; complaint rate = complaints / sold; score = their sum.
- only live styles with at least `min_units` sold are judged (tiny samples are not);
- ranked worst first by score, then complaint rate, then return rate, then units sold (more evidence
  first), then style code — so ties always rank the same way;
- the worst ⌈bottom share × judged⌉ are proposed, leaving out any with no return and no complaint.

Sales and returns are read from the orders app by model name (as in `scorecards`): quality sits
below orders in the dependency direction and never imports it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_noop

from auric.catalog import services as catalog
from auric.catalog.models import Style
from auric.core import events
from auric.core.errors import Conflict, PermissionDenied, ValidationFailed
from auric.core.transactions import service_transaction
from auric.quality.models import Complaint, EliminationPolicy, EliminationResult, EliminationRun
from auric.quality.scorecards import RETURN_REJECTED, day_range, share

ELIMINATION_PROPOSED = "quality.EliminationProposed"
ELIMINATION_PUBLISHED = "quality.EliminationPublished"
REVIEW_PERMISSION = "quality.review_eliminationrun"
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
Decision = EliminationResult.Decision
Action = EliminationResult.Action


class RunNotReviewed(Conflict):
    code = "elimination_not_reviewed"
    title = gettext_noop("Every proposal must be reviewed before publication")


class RunPublished(Conflict):
    code = "elimination_published"
    title = gettext_noop("The elimination run is already published")


def parse_month(text: str) -> date:
    """'2026-03' → 2026-03-01."""
    match = MONTH.match(text or "")
    if match is None:
        raise ValidationFailed("A month is written YYYY-MM.", errors={"month": ["YYYY-MM, e.g. 2026-03"]})
    return date(int(match.group(1)), int(match.group(2)), 1)


def month_end(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


@dataclass(frozen=True)
class Figures:
    style_id: int
    code: str
    units_sold: int
    units_returned: int
    complaints: int

    @property
    def return_rate(self) -> Decimal:
        return share(self.units_returned, self.units_sold) or Decimal(0)

    @property
    def complaint_rate(self) -> Decimal:
        return share(self.complaints, self.units_sold) or Decimal(0)

    @property
    def score(self) -> Decimal:
        return self.return_rate + self.complaint_rate


@dataclass(frozen=True)
class Ranked:
    figures: Figures
    rank: int
    proposed: bool
    reason: str


def month_figures(*, month: date) -> list[Figures]:
    """The month's figures of every live style that sold anything in it (three grouped queries)."""
    since, until = day_range(month, month_end(month))
    live = Style.objects.filter(status=Style.Status.LIVE)
    sold = dict(
        apps.get_model("orders", "OrderLine")
        .objects.filter(order__paid_at__gte=since, order__paid_at__lt=until, variant__style__in=live)
        .values_list("variant__style_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant__style_id", "units")
    )
    returned = dict(
        apps.get_model("orders", "ReturnLine")
        .objects.filter(
            return_request__requested_at__gte=since,
            return_request__requested_at__lt=until,
            order_line__variant__style_id__in=sold.keys(),
        )
        .exclude(return_request__state=RETURN_REJECTED)
        .values_list("order_line__variant__style_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line__variant__style_id", "units")
    )
    complaints = dict(
        Complaint.objects.filter(opened_at__gte=since, opened_at__lt=until, style_id__in=sold.keys())
        .values_list("style_id")
        .annotate(n=Count("pk"))
        .values_list("style_id", "n")
    )
    codes = dict(Style.objects.filter(pk__in=sold.keys()).values_list("pk", "code"))
    return [
        Figures(style_id, codes[style_id], units or 0, returned.get(style_id) or 0, complaints.get(style_id, 0))
        for style_id, units in sold.items()
        if units
    ]


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'))} %"


def rank_styles(figures: Sequence[Figures], *, min_units: int, bottom_share_percent: Decimal) -> list[Ranked]:
    """Judge the styles with enough volume, worst first, and propose the bottom share."""
    judged = sorted(
        (f for f in figures if f.units_sold >= min_units),
        key=lambda f: (-f.score, -f.complaint_rate, -f.return_rate, -f.units_sold, f.code),
    )
    cut = math.ceil(len(judged) * bottom_share_percent / Decimal(100))
    ranked = []
    for index, f in enumerate(judged, start=1):
        proposed = index <= cut and f.score > 0
        reason = (
            f"Return rate {_percent(f.return_rate)} and complaint rate {_percent(f.complaint_rate)} "
            f"over {f.units_sold} units sold: rank {index} of {len(judged)} judged styles, "
            f"in the worst {bottom_share_percent.normalize()} %"
            if proposed
            else ""
        )
        ranked.append(Ranked(f, index, proposed, reason))
    return ranked


def _may_review(actor: Any) -> None:
    if actor is None:
        return
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only quality managers may review and publish the elimination.")


def run_elimination(*, month: date, actor: Any = None, recompute: bool = False) -> EliminationRun:
    """Rank the month and record the proposals for review. Running a month again returns its run
    unchanged; `recompute` redoes a run still in review (its reviews are discarded)."""
    _may_review(actor)
    month = month.replace(day=1)
    if month_end(month) >= timezone.localdate():
        raise ValidationFailed(
            f"{month:%Y-%m} is not over yet; a month is judged once it has ended.", errors={"month": ["not over"]}
        )
    policy = EliminationPolicy.objects.order_by("pk").first() or EliminationPolicy()
    with service_transaction():
        run = EliminationRun.objects.select_for_update().filter(month=month).first()
        if run is not None:
            if not recompute:
                return run
            if run.state == EliminationRun.State.PUBLISHED:
                raise RunPublished(f"The elimination of {month:%Y-%m} was published; it is not recomputed.")
            run.results.all().delete()
            run.min_units, run.bottom_share_percent = policy.min_units, policy.bottom_share_percent
            run.created_at = timezone.now()
        else:
            run = EliminationRun(
                month=month, min_units=policy.min_units, bottom_share_percent=policy.bottom_share_percent
            )
        ranked = rank_styles(
            month_figures(month=month), min_units=run.min_units, bottom_share_percent=run.bottom_share_percent
        )
        run.judged = len(ranked)
        run.save()
        EliminationResult.objects.bulk_create(
            EliminationResult(
                run=run,
                style_id=r.figures.style_id,
                rank=r.rank,
                units_sold=r.figures.units_sold,
                units_returned=r.figures.units_returned,
                complaints=r.figures.complaints,
                return_rate=r.figures.return_rate,
                complaint_rate=r.figures.complaint_rate,
                score=r.figures.score,
                proposed=r.proposed,
                reason=r.reason,
                decision=Decision.PENDING if r.proposed else Decision.NONE,
            )
            for r in ranked
        )
        events.publish(
            ELIMINATION_PROPOSED,
            {"run_id": run.pk, "month": f"{month:%Y-%m}", "judged": run.judged, "proposed": _proposed(run).count()},
            aggregate=f"quality.elimination:{run.pk}",
        )
        return run


def _proposed(run: EliminationRun) -> QuerySet[EliminationResult]:
    return run.results.filter(proposed=True)


def review_result(*, result: EliminationResult, approve: bool, actor: Any, note: str = "") -> EliminationResult:
    """An operator's decision on one proposal: delist it on publication, or keep it (say why)."""
    _may_review(actor)
    note = (note or "").strip()
    if not approve and not note:
        raise ValidationFailed("Say why the style is kept.", errors={"note": ["required to keep a style"]})
    if len(note) > 300:
        raise ValidationFailed("Notes are at most 300 characters.", errors={"note": ["too long"]})
    with service_transaction():
        run = EliminationRun.objects.select_for_update().get(pk=result.run_id)
        if run.state == EliminationRun.State.PUBLISHED:
            raise RunPublished(f"The elimination of {run.month:%Y-%m} was published.")
        result = EliminationResult.objects.get(pk=result.pk)
        if not result.proposed:
            raise Conflict("Only proposed styles are reviewed.")
        result.decision = Decision.APPROVED if approve else Decision.REJECTED
        result.review_note = note
        result.reviewed_at = timezone.now()
        result.reviewed_by = actor if getattr(actor, "is_authenticated", False) else None
        result.save(update_fields=["decision", "review_note", "reviewed_at", "reviewed_by"])
        return result


def publish_run(*, run: EliminationRun, actor: Any) -> EliminationRun:
    """Delist the approved styles through the catalog and publish the run on the quality report."""
    _may_review(actor)
    if actor is not None and not actor.has_perm("catalog.change_style"):
        raise PermissionDenied("Publishing delists styles: you need to be allowed to change styles.")
    with service_transaction():
        run = EliminationRun.objects.select_for_update().get(pk=run.pk)
        if run.state == EliminationRun.State.PUBLISHED:
            raise RunPublished(f"The elimination of {run.month:%Y-%m} was published on {run.published_at:%Y-%m-%d}.")
        pending = list(
            _proposed(run)
            .filter(decision=Decision.PENDING)
            .select_related("style")
            .values_list("style__code", flat=True)
        )
        if pending:
            raise RunNotReviewed(f"Review every proposal first; still pending: {', '.join(pending)}.", pending=pending)
        delisted = []
        for result in _proposed(run).select_related("style").order_by("rank"):
            if result.decision == Decision.REJECTED:
                result.action = Action.KEPT
            elif result.style.status == Style.Status.LIVE:
                catalog.delist_style(
                    style=result.style,
                    reason=f"Monthly quality elimination {run.month:%Y-%m}: {result.reason}"[:300],
                    actor=actor,
                )
                result.action = Action.DELISTED
                delisted.append(result.style_id)
            else:
                result.action = Action.ALREADY_OFF
            result.save(update_fields=["action"])
        run.state = EliminationRun.State.PUBLISHED
        run.published_at = timezone.now()
        run.published_by = actor if getattr(actor, "is_authenticated", False) else None
        run.save(update_fields=["state", "published_at", "published_by"])
        events.publish(
            ELIMINATION_PUBLISHED,
            {"run_id": run.pk, "month": f"{run.month:%Y-%m}", "delisted_style_ids": delisted},
            aggregate=f"quality.elimination:{run.pk}",
        )
        return run


# --- the public report -----------------------------------------------------------------------------


def published_runs() -> QuerySet[EliminationRun]:
    return EliminationRun.objects.filter(state=EliminationRun.State.PUBLISHED).order_by("-month")


def published_results(run: EliminationRun) -> list[EliminationResult]:
    """What the public page lists for a published run: the proposals and what became of them."""
    if run.state != EliminationRun.State.PUBLISHED:
        return []
    return list(_proposed(run).select_related("style").order_by("rank"))
