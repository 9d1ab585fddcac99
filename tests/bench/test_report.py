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
