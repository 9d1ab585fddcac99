"""The benchmark report: locust CSV in, BENCHMARKS.md and an SVG chart out."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HEADER = (
    "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,Min Response Time,"
    "Max Response Time,Average Content Size,Requests/s,Failures/s,50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
)


def _stats(directory: Path, scenario: str, *, rps: float, p50: int, p95: int, failures: int = 0) -> None:
    row = f",Aggregated,1000,{failures},{p50},{p50},1,{p95 * 2},500,{rps},0,{p50},{p50},{p50},{p50},{p95},{p95},{p95},{p95 + 5},{p95 + 9},{p95 + 9},{p95 + 9}\n"
    (directory / f"{scenario}_stats.csv").write_text(HEADER + row)


def _report(tmp_path: Path) -> tuple[str, str]:
    (tmp_path / "targets.json").write_text(json.dumps({"styles": 10000, "live_styles": 10000, "pieces": 55000}))
    subprocess.run(
        [
            sys.executable,
            "tests/bench/report.py",
            "--results",
            str(tmp_path),
            "--targets",
            str(tmp_path / "targets.json"),
            "--out",
            str(tmp_path / "B.md"),
            "--svg",
            str(tmp_path / "b.svg"),
            "--workers",
            "4",
            "--postgres",
            "PostgreSQL 15",
        ],
        check=True,
        capture_output=True,
    )
    return (tmp_path / "B.md").read_text(), (tmp_path / "b.svg").read_text()


def test_report_gives_percentiles_throughput_and_ratio_to_the_bare_view(tmp_path):
    _stats(tmp_path, "bare", rps=1000, p50=10, p95=20)
    _stats(tmp_path, "listing", rps=600, p50=20, p95=40)

    md, _ = _report(tmp_path)

    assert (
        "| Listing with facets | `/c/<category>/?<facet>=<value>` | 1,000 | 0 | 20 | 40 | 45 | 600.0 | 60% | met |"
        in md
    )
    assert "10,000 styles" in md and "55,000 pieces" in md


def test_report_flags_a_missed_target(tmp_path):
    _stats(tmp_path, "bare", rps=1000, p50=10, p95=20)
    _stats(tmp_path, "product", rps=300, p50=40, p95=80)

    md, _ = _report(tmp_path)

    assert "missed: p95 ≤ 50 ms, ≥ 50 % of bare" in md


def test_report_compares_with_saleor(tmp_path):
    _stats(tmp_path, "bare", rps=1000, p50=10, p95=20)
    _stats(tmp_path, "search", rps=190, p50=10, p95=20)

    md, _ = _report(tmp_path)

    assert "| Search | 19 | 190.0 | 10.0× |" in md


def test_chart_is_well_formed_svg_with_one_bar_per_scenario(tmp_path):
    for name in ("bare", "home", "listing", "search", "product"):
        _stats(tmp_path, name, rps=100, p50=5, p95=9)

    _, svg = _report(tmp_path)

    root = ET.fromstring(svg)  # noqa: S314 - our own generated file
    bars = [e for e in root.iter("{http://www.w3.org/2000/svg}rect")][1:]  # first rect is the background
    assert len(bars) == 5


def _checkout_stats(directory: Path, steps: list[tuple[str, float, int, int, int]], scenario: str = "checkout") -> None:
    """steps: (request name, req/s, p50, p95, failures) rows of a checkout scenario."""
    rows = "".join(
        f"POST,{name},1000,{failures},{p50},{p50},1,{p95 * 2},500,{rps},0,{p50},{p50},{p50},{p50},{p95},{p95},{p95},"
        f"{p95 + 5},{p95 + 9},{p95 + 9},{p95 + 9}\n"
        for name, rps, p50, p95, failures in steps
    )
    (directory / f"{scenario}_stats.csv").write_text(HEADER + rows)


def test_checkout_is_judged_per_step_at_the_target_rate_and_on_orders_per_second_flat_out(tmp_path):
    _stats(tmp_path, "bare", rps=1000, p50=10, p95=20)
    paced = [
        ("1 add to cart", 16.0, 30, 60, 0),
        ("2 place order", 16.0, 80, 190, 0),
        ("3 create payment", 16.0, 20, 40, 0),
        ("4 payment callback", 16.0, 60, 250, 0),
    ]
    _checkout_stats(tmp_path, paced, "checkout_paced")
    flat_out = [
        ("1 add to cart", 20.0, 300, 600, 0),
        ("2 place order", 20.0, 380, 690, 0),
        ("3 create payment", 20.0, 200, 400, 0),
        ("4 payment callback", 20.0, 260, 450, 100),  # a tenth of the callbacks failed
    ]
    _checkout_stats(tmp_path, flat_out)

    md, _ = _report(tmp_path)

    at_rate = md.split("### At the target load: 16 orders a second")[1].split("###")[0]
    assert "| Place order | `POST /api/v1/checkout` | 1,000 | 0 | 80 | 190 | 195 | 16.0 | met |" in at_rate
    assert "| Payment callback (signed) | `POST /api/v1/payments/sandbox/webhook` | 1,000 | 0 | 60 | 250" in at_rate
    assert "| 16.0 | missed |" in at_rate
    flat = md.split("### As many orders as it takes: no think time")[1]
    assert "| Place order | `POST /api/v1/checkout` | 1,000 | 0 | 380 | 690 | 695 | 20.0 |\n" in flat
    # Only successful callbacks pay an order: 20 req/s × 90 %.
    assert "**Orders paid per second: 18.0** (target ≥ 16: met" in flat
    assert "Bare-view ceiling in the same run: 1,000 req/s" in flat
    chart = ET.fromstring((tmp_path / "benchmarks-checkout.svg").read_text())  # noqa: S314 - our own file
    assert len([e for e in chart.iter("{http://www.w3.org/2000/svg}rect")]) == 1 + 2 * 4
    assert "250" in (tmp_path / "benchmarks-checkout.svg").read_text()  # the chart shows the paced run


def test_checkout_below_the_target_rate_is_flagged(tmp_path):
    _checkout_stats(tmp_path, [("4 payment callback", 9.5, 100, 180, 0)])

    md, _ = _report(tmp_path)

    assert "**Orders paid per second: 9.5** (target ≥ 16: missed" in md


def test_the_vault_is_priced_per_field_and_on_the_checkout_against_the_same_checkout_without_it(tmp_path):
    _checkout_stats(
        tmp_path, [("1 add to cart", 16.0, 30, 60, 0), ("2 place order", 16.0, 70, 160, 0)], "checkout_plain"
    )
    _checkout_stats(
        tmp_path, [("1 add to cart", 16.0, 30, 60, 0), ("2 place order", 16.0, 80, 200, 0)], "checkout_light"
    )
    fields = {"phone": {"store": {"p50_ms": 0.5, "p95_ms": 0.9}, "reveal": {"p50_ms": 1.2, "p95_ms": 2.0}}}
    (tmp_path / "vault_fields.json").write_text(json.dumps(fields))

    md, _ = _report(tmp_path)

    assert "| phone | 0.50 | 0.90 | 1.20 | 2.00 | — | — |" in md
    assert "| Place order | 70 ms | 80 ms | 160 ms | 200 ms | +25% |" in md
    assert "p95 +25% with the vault** (target ≤ +10%: missed)" in md
