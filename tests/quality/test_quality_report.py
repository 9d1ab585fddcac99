"""The public quality report page: only published months, their results, the ranking rules, a chart
drawn without scripts or inline styles, in Chinese too."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from auric.quality import elimination
from auric.quality.models import EliminationPolicy
from tests.quality.test_elimination import _last_month, _style

pytestmark = pytest.mark.django_db


def _english() -> Client:
    return Client(headers={"accept-language": "en"})


def _published_month():
    EliminationPolicy.objects.update(min_units=20, bottom_share_percent=Decimal(50))
    _style("AU-WORST", sold=20, returned=6, complaints=2)
    _style("AU-KEPT", sold=30, returned=5)
    _style("AU-GOOD", sold=40)
    _style("AU-FINE", sold=40)
    run = elimination.run_elimination(month=_last_month())
    for result in run.results.filter(proposed=True).select_related("style"):
        keep = result.style.code == "AU-KEPT"
        elimination.review_result(result=result, approve=not keep, note="new supplier" if keep else "", actor=None)
    return run


def test_a_month_in_review_is_not_public():
    run = _published_month()
    run.results.update(decision="pending")
    run_month = f"{run.month:%Y-%m}"
    page = _english().get("/quality-report/")
    assert page.status_code == 200
    assert "No month has been published yet." in page.content.decode()
    assert "AU-WORST" not in page.content.decode()
    assert Client().get(f"/quality-report/{run_month}/").status_code == 404


def test_a_published_month_lists_its_styles_rates_reasons_actions_and_rules():
    run = elimination.publish_run(run=_published_month(), actor=None)
    month = f"{run.month:%Y-%m}"
    for url in ("/quality-report/", f"/quality-report/{month}/"):
        html = _english().get(url).content.decode()
        assert f"Month {month}" in html
        rows = re.findall(r'<tr data-style="([^"]+)" data-action="([^"]+)">', html)
        assert rows == [("AU-WORST", "delisted"), ("AU-KEPT", "kept")]
        assert "30.0%" in html and "10.0%" in html  # the worst style's return and complaint rates
        assert "Rank 1 of 4 judged styles, over 20 units sold" in html
        assert "AU-GOOD" not in html  # only the proposals are listed
        assert "at least 20 units sold" in html and "The worst 50% of the judged styles" in html
        assert "<svg" in html and 'role="img"' in html
        assert " style=" not in html and "<style" not in html
        assert [s for s in re.findall(r"<script[^>]*>", html) if "src=" not in s] == []
        assert f'href="/quality-report/{month}/"' in html


def test_unknown_or_malformed_months_are_not_found():
    elimination.publish_run(run=_published_month(), actor=None)
    for month in ("2019-01", "2026-13", "abc", "2026-1"):
        assert Client().get(f"/quality-report/{month}/").status_code == 404


def test_the_report_is_in_chinese_for_chinese_shoppers():
    elimination.publish_run(run=_published_month(), actor=None)
    html = Client().get("/quality-report/").content.decode()  # Chinese is the default
    assert "质量报告" in html and "退货率" in html and "投诉率" in html and "已下架" in html
