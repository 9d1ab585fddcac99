"""The public quality report: each published month of the dynamic elimination (SPEC S4) — the styles
proposed for delisting, their return and complaint rates, why, and what was done — with the
ranking rules and a server-rendered bar chart (SVG, no script, CSP-clean).

Only published runs are shown; a month still in review, or never run, is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from auric.core.errors import ValidationFailed
from auric.quality import elimination
from auric.quality.models import EliminationResult, EliminationRun

ACTION_LABELS: dict[str, Any] = {
    EliminationResult.Action.DELISTED: gettext_lazy("Delisted"),
    EliminationResult.Action.KEPT: gettext_lazy("Kept after review"),
    EliminationResult.Action.ALREADY_OFF: gettext_lazy("Already off sale"),
}
MONTHS_LISTED = 36
# The chart: a label column, then bars scaled to the worst rate shown.
CHART_LABEL_WIDTH = 120
CHART_BAR_WIDTH = 220
CHART_ROW_HEIGHT = 30


def _percent(rate: Decimal) -> str:
    return f"{(rate * 100).quantize(Decimal('0.1'))}%"


@dataclass(frozen=True)
class Bar:
    y: int
    width: int
    text_x: int
    label: str


@dataclass(frozen=True)
class ChartRow:
    code: str
    label_y: int
    returns: Bar
    complaints: Bar


def _bar(rate: Decimal, top: Decimal, y: int) -> Bar:
    width = int(CHART_BAR_WIDTH * rate / top) if top else 0
    return Bar(y=y, width=max(width, 1), text_x=CHART_LABEL_WIDTH + max(width, 1) + 4, label=_percent(rate))


def chart(results: list[EliminationResult]) -> dict[str, Any]:
    top = max([r.return_rate for r in results] + [r.complaint_rate for r in results] + [Decimal("0.01")])
    rows = []
    for index, result in enumerate(results):
        y = 24 + index * CHART_ROW_HEIGHT
        rows.append(
            ChartRow(
                code=result.style.code,
                label_y=y + 12,
                returns=_bar(result.return_rate, top, y),
                complaints=_bar(result.complaint_rate, top, y + 11),
            )
        )
    return {
        "rows": rows,
        "height": 32 + len(rows) * CHART_ROW_HEIGHT,
        "width": CHART_LABEL_WIDTH + CHART_BAR_WIDTH + 60,
        "bar_x": CHART_LABEL_WIDTH,
    }


def _month_run(month: str) -> EliminationRun:
    try:
        first_day = elimination.parse_month(month)
    except ValidationFailed as error:
        raise Http404("No such month") from error
    run = elimination.published_runs().filter(month=first_day).first()
    if run is None:
        raise Http404("This month is not published")
    return run


@require_GET
def quality_report(request: HttpRequest, month: str | None = None) -> HttpResponse:
    runs = list(elimination.published_runs()[:MONTHS_LISTED])
    run = _month_run(month) if month is not None else (runs[0] if runs else None)
    results = elimination.published_results(run) if run is not None else []
    rows = [
        {
            "result": result,
            "return_rate": _percent(result.return_rate),
            "complaint_rate": _percent(result.complaint_rate),
            "action": ACTION_LABELS.get(result.action, ""),
        }
        for result in results
    ]
    return render(
        request,
        "storefront/quality_report.html",
        {
            "run": run,
            "runs": runs,
            "rows": rows,
            "chart": chart(results) if results else None,
            "share": run.bottom_share_percent.normalize() if run else None,
        },
    )
