"""The monthly dynamic elimination (SPEC S4): minimum volume, bottom share, deterministic ties,
review before publication, delisting on publication, idempotent runs."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from auric.catalog.models import Style
from auric.core.errors import PermissionDenied, ValidationFailed
from auric.core.models import AuditEntry, OutboxEvent
from auric.quality import elimination
from auric.quality.elimination import Figures, rank_styles
from auric.quality.models import EliminationPolicy, EliminationResult, EliminationRun
from tests.factories import StyleFactory, UserFactory, VariantFactory
from tests.quality.sales import complain, give_back, sell

pytestmark = pytest.mark.django_db

Decision = EliminationResult.Decision
Action = EliminationResult.Action


def _last_month() -> date:
    return (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)


def _at(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_current_timezone())


def _style(code: str, *, sold: int, returned: int = 0, complaints: int = 0, month: date | None = None) -> Style:
    month = month or _last_month()
    style = StyleFactory(code=code)
    variant = VariantFactory(style=style)
    line = sell(variant, quantity=sold, paid_at=_at(month + timedelta(days=9)))
    if returned:
        give_back(line, quantity=returned, at=_at(month + timedelta(days=14)))
    if complaints:
        complain(variant, at=_at(month + timedelta(days=15)), times=complaints)
    return style


def _figures(code: str, sold: int, returned: int = 0, complaints: int = 0) -> Figures:
    return Figures(hash(code) % 10_000, code, sold, returned, complaints)


def test_rates_are_returns_and_complaints_per_unit_sold_in_the_month():
    month = _last_month()
    style = _style("AU-R1", sold=40, returned=4, complaints=2)
    # Outside the month: counted for neither month figure.
    variant = style.variants.get()
    sell(variant, quantity=100, paid_at=_at(month - timedelta(days=3)))
    complain(variant, at=_at(month - timedelta(days=1)))
    rejected = sell(variant, quantity=1, paid_at=_at(month + timedelta(days=2)))
    give_back(rejected, at=_at(month + timedelta(days=3)), state="rejected")
    (figures,) = elimination.month_figures(month=month)
    assert (figures.units_sold, figures.units_returned, figures.complaints) == (41, 4, 2)
    assert figures.return_rate == Decimal("0.0976")
    assert figures.complaint_rate == Decimal("0.0488")


def test_styles_below_the_minimum_volume_are_not_judged():
    ranked = rank_styles(
        [_figures("AU-SMALL", 19, returned=10), _figures("AU-BIG", 20, returned=1), _figures("AU-OK", 50)],
        min_units=20,
        bottom_share_percent=Decimal("5"),
    )
    assert [r.figures.code for r in ranked] == ["AU-BIG", "AU-OK"]
    assert [r.proposed for r in ranked] == [True, False]


def test_the_bottom_share_is_proposed_and_a_clean_style_never_is():
    figures = [_figures(f"AU-{i:03d}", 100, returned=i % 7, complaints=i % 3) for i in range(41)]
    ranked = rank_styles(figures, min_units=20, bottom_share_percent=Decimal("5"))
    proposed = [r for r in ranked if r.proposed]
    assert len(proposed) == 3  # ⌈41 × 5 %⌉
    assert [r.rank for r in proposed] == [1, 2, 3]
    assert all(p.figures.score >= r.figures.score for p in proposed for r in ranked if not r.proposed)
    assert proposed[0].reason.startswith("Return rate 6.0 % and complaint rate 2.0 % over 100 units sold: rank 1 of 41")
    clean = rank_styles([_figures("AU-A", 30), _figures("AU-B", 30)], min_units=20, bottom_share_percent=Decimal(50))
    assert not any(r.proposed for r in clean)


def test_ties_rank_by_complaints_then_returns_then_volume_then_code():
    figures = [
        _figures("AU-D", 100, returned=5, complaints=5),  # score 0.10, same as all of them
        _figures("AU-C", 100, returned=10, complaints=0),
        _figures("AU-B", 200, returned=10, complaints=10),
        _figures("AU-A", 100, returned=5, complaints=5),
    ]
    expected = ["AU-B", "AU-A", "AU-D", "AU-C"]
    for order in (figures, list(reversed(figures)), figures[1:] + figures[:1]):
        ranked = rank_styles(order, min_units=20, bottom_share_percent=Decimal(25))
        assert [r.figures.code for r in ranked] == expected
        assert [r.proposed for r in ranked] == [True, False, False, False]


def test_a_run_waits_for_review_and_publication_delists_only_approved_styles():
    month = _last_month()
    EliminationPolicy.objects.update(min_units=20, bottom_share_percent=Decimal(50))
    worst = _style("AU-WORST", sold=20, returned=6, complaints=2)
    second = _style("AU-SECOND", sold=30, returned=5)
    _style("AU-GOOD", sold=40, returned=1)
    _style("AU-FINE", sold=25)
    _style("AU-TINY", sold=5, returned=5)

    run = elimination.run_elimination(month=month)
    assert (run.state, run.judged, run.min_units) == (EliminationRun.State.IN_REVIEW, 4, 20)
    results = {r.style.code: r for r in run.results.select_related("style")}
    assert set(results) == {"AU-WORST", "AU-SECOND", "AU-GOOD", "AU-FINE"}
    assert [c for c, r in sorted(results.items(), key=lambda i: i[1].rank) if r.proposed] == ["AU-WORST", "AU-SECOND"]
    assert results["AU-WORST"].decision == Decision.PENDING and results["AU-GOOD"].decision == Decision.NONE

    # Nothing is delisted before review.
    with pytest.raises(elimination.RunNotReviewed, match="AU-WORST, AU-SECOND"):
        elimination.publish_run(run=run, actor=None)
    worst.refresh_from_db()
    assert worst.status == Style.Status.LIVE
    assert elimination.published_runs().count() == 0

    with pytest.raises(ValidationFailed):
        elimination.review_result(result=results["AU-SECOND"], approve=False, actor=None)  # say why
    elimination.review_result(result=results["AU-WORST"], approve=True, actor=None)
    elimination.review_result(
        result=results["AU-SECOND"], approve=False, note="New clasp supplier since the 20th", actor=None
    )
    run = elimination.publish_run(run=run, actor=None)

    assert run.state == EliminationRun.State.PUBLISHED
    worst.refresh_from_db()
    second.refresh_from_db()
    assert worst.status == Style.Status.DELISTED and second.status == Style.Status.LIVE
    assert [(r.style.code, r.action) for r in elimination.published_results(run)] == [
        ("AU-WORST", Action.DELISTED),
        ("AU-SECOND", Action.KEPT),
    ]
    entry = AuditEntry.objects.get(action="catalog.style.delisted", object_id=str(worst.pk))
    assert entry.reason.startswith(f"Monthly quality elimination {month:%Y-%m}: Return rate 30.0 %")
    assert OutboxEvent.objects.filter(name=elimination.ELIMINATION_PUBLISHED, payload__run_id=run.pk).exists()
    with pytest.raises(elimination.RunPublished):
        elimination.publish_run(run=run, actor=None)
    with pytest.raises(elimination.RunPublished):
        elimination.review_result(result=results["AU-WORST"], approve=False, note="too late", actor=None)


def test_a_style_already_off_sale_is_recorded_as_such():
    EliminationPolicy.objects.update(bottom_share_percent=Decimal(50))
    style = _style("AU-GONE", sold=20, returned=10)
    _style("AU-OK", sold=20)
    run = elimination.run_elimination(month=_last_month())
    Style.objects.filter(pk=style.pk).update(status=Style.Status.DELISTED)
    elimination.review_result(result=run.results.get(style=style), approve=True, actor=None)
    elimination.publish_run(run=run, actor=None)
    assert run.results.get(style=style).action == Action.ALREADY_OFF


def test_running_a_month_again_changes_nothing_and_a_published_month_is_never_recomputed(capsys):
    month = _last_month()
    EliminationPolicy.objects.update(bottom_share_percent=Decimal(50))
    style = _style("AU-BAD", sold=20, returned=8)
    _style("AU-OK", sold=20)
    call_command("eliminate_styles", "--month", f"{month:%Y-%m}")
    assert "AU-BAD" in capsys.readouterr().out
    run = EliminationRun.objects.get(month=month)
    elimination.review_result(result=run.results.get(style=style), approve=True, actor=None)
    _style("AU-LATE", sold=90, returned=90)  # a late correction to the month's data

    again = elimination.run_elimination(month=month)
    assert again.pk == run.pk and again.results.count() == 2
    assert again.results.get(style=style).decision == Decision.APPROVED
    call_command("eliminate_styles")  # defaults to last month: the same run
    assert EliminationRun.objects.count() == 1

    recomputed = elimination.run_elimination(month=month, recompute=True)  # still in review: allowed
    assert recomputed.results.count() == 3 and recomputed.results.get(rank=1).style.code == "AU-LATE"
    for result in recomputed.results.filter(proposed=True):
        elimination.review_result(result=result, approve=True, actor=None)
    elimination.publish_run(run=recomputed, actor=None)
    with pytest.raises(elimination.RunPublished):
        elimination.run_elimination(month=month, recompute=True)
    assert elimination.run_elimination(month=month).state == EliminationRun.State.PUBLISHED


def test_a_month_is_judged_only_once_it_is_over_and_must_be_well_formed():
    with pytest.raises(ValidationFailed, match="not over yet"):
        elimination.run_elimination(month=timezone.localdate().replace(day=1))
    for bad in ("2026-13", "26-03", "2026-3", "", "2026-03-01"):
        with pytest.raises(ValidationFailed):
            elimination.parse_month(bad)
    with pytest.raises(CommandError):
        call_command("eliminate_styles", "--month", "2026-13")


def test_only_quality_managers_review_and_publish():
    EliminationPolicy.objects.update(bottom_share_percent=Decimal(50))
    _style("AU-BAD", sold=20, returned=8)
    run = elimination.run_elimination(month=_last_month())
    clerk = UserFactory(username="clerk", is_staff=True)
    with pytest.raises(PermissionDenied):
        elimination.review_result(result=run.results.get(rank=1), approve=True, actor=clerk)
    with pytest.raises(PermissionDenied):
        elimination.publish_run(run=run, actor=clerk)
