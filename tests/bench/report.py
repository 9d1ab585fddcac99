"""Turn locust's CSV statistics into docs/BENCHMARKS.md and a bar chart (SVG, drawn by hand).

    python tests/bench/report.py --results DIR --targets targets.json --out docs/BENCHMARKS.md \
        --svg docs/benchmarks.svg --users 20 --duration 30s --workers 4 --postgres "PostgreSQL 15.x"

DIR holds `<scenario>_stats.csv` for bare, home, listing, search, product and checkout. Targets
(from the issues): listing, search and product page p95 ≤ 50 ms and ≥ 50 % of the bare view's
throughput; each checkout step p95 ≤ 200 ms and ≥ 16 orders per second.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import escape

SCENARIOS = (
    ("bare", "Bare Django view (ceiling)", "/bench/bare"),
    ("home", "Home", "/"),
    ("listing", "Listing with facets", "/c/<category>/?<facet>=<value>"),
    ("search", "Search", "/search?q=<query>"),
    ("product", "Product page (by popularity)", "/p/<slug>/"),
    ("product_cold", "Product page (uniform over 2,000 styles)", "/p/<slug>/"),
)
TARGETED = ("listing", "search", "product")
P95_TARGET_MS = 50.0
RATIO_TARGET = 0.5
# Saleor's figures quoted in the issue, on the same kind of machine (req/s).
SALEOR = {"listing": 19.0, "product": 15.0, "search": 19.0}
# The checkout scenario's requests, in the order a shopper makes them (locust request names).
CHECKOUT_STEPS = (
    ("1 add to cart", "Add to cart", "POST /api/v1/cart/items"),
    ("2 place order", "Place order", "POST /api/v1/checkout"),
    ("3 create payment", "Create payment", "POST /api/v1/orders/{number}/payments"),
    ("4 payment callback", "Payment callback (signed)", "POST /api/v1/payments/sandbox/webhook"),
)
STEP_P95_TARGET_MS = 200.0
ORDERS_TARGET = 16.0
SALEOR_ORDERS_PER_S = 1.6
SALEOR_CHECKOUT_P95_MS = 4700.0


@dataclass
class Result:
    scenario: str
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    rps: float


def read_stats(path: Path, scenario: str, name: str = "Aggregated") -> Result | None:
    if not path.exists():
        return None
    with path.open(newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r.get("Name") == name]
    if not rows:
        return None
    row = rows[0]
    return Result(
        scenario=scenario,
        requests=int(row["Request Count"]),
        failures=int(row["Failure Count"]),
        p50=float(row["50%"]),
        p95=float(row["95%"]),
        p99=float(row["99%"]),
        rps=float(row["Requests/s"]),
    )


def machine() -> dict[str, str]:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count() or "?"),
        "ram": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
    }


def svg_chart(results: dict[str, Result]) -> str:
    """Horizontal bars of requests per second, with p95 labels and the 50 %-of-bare line."""
    rows = [(key, label) for key, label, _ in SCENARIOS if key in results]
    width, left, bar_h, gap, top = 760, 210, 26, 14, 46
    height = top + len(rows) * (bar_h + gap) + 40
    peak = max((r.rps for r in results.values()), default=0.0) or 1.0
    scale = (width - left - 150) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#fffdf8"/>',
        '<text x="16" y="26" font-size="16" font-weight="bold" fill="#3a2f1e">'
        "Auric storefront: requests per second at 20 concurrent users (p95 in brackets)</text>",
    ]
    for i, (key, label) in enumerate(rows):
        r = results[key]
        y = top + i * (bar_h + gap)
        w = max(1.0, r.rps * scale)
        ok = key not in TARGETED or (
            r.p95 <= P95_TARGET_MS and "bare" in results and r.rps >= RATIO_TARGET * results["bare"].rps
        )
        colour = "#9a9a9a" if key in ("bare", "home") else ("#c9a227" if ok else "#c0504d")
        parts.append(
            f'<text x="{left - 10}" y="{y + bar_h * 0.68:.1f}" text-anchor="end" fill="#3a2f1e">{escape(label)}</text>'
        )
        parts.append(f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" rx="3" fill="{colour}"/>')
        parts.append(
            f'<text x="{left + w + 8:.1f}" y="{y + bar_h * 0.68:.1f}" fill="#3a2f1e">{r.rps:,.0f} req/s (p95 {r.p95:.0f} ms)</text>'
        )
    if "bare" in results:
        x = left + RATIO_TARGET * results["bare"].rps * scale
        bottom = top + len(rows) * (bar_h + gap)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="#555" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{x + 4:.1f}" y="{bottom + 16}" fill="#555">50 % of the bare view (target)</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def orders_per_second(steps: dict[str, Result]) -> float:
    """Orders paid per second: the callbacks that succeeded (each one pays one order)."""
    last = steps.get(CHECKOUT_STEPS[-1][0])
    if last is None or not last.requests:
        return 0.0
    return last.rps * (last.requests - last.failures) / last.requests


def checkout_svg(steps: dict[str, Result]) -> str:
    """p50 and p95 per checkout step as horizontal bars, with the 200 ms target line."""
    rows = [(key, label) for key, label, _ in CHECKOUT_STEPS if key in steps]
    width, left, bar_h, gap, top = 760, 210, 12, 16, 46
    height = top + len(rows) * (2 * bar_h + gap) + 44
    peak = max([STEP_P95_TARGET_MS * 1.2] + [r.p95 for r in steps.values()])
    scale = (width - left - 120) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="Helvetica, Arial, sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="#fffdf8"/>',
        f'<text x="16" y="26" font-size="16" font-weight="bold" fill="#3a2f1e">Auric checkout: latency per step '
        f"(p50 light, p95 dark), {orders_per_second(steps):.1f} orders/s</text>",
    ]
    for i, (key, label) in enumerate(rows):
        r = steps[key]
        y = top + i * (2 * bar_h + gap)
        colour = "#c9a227" if r.p95 <= STEP_P95_TARGET_MS and not r.failures else "#c0504d"
        parts.append(
            f'<text x="{left - 10}" y="{y + bar_h + 4}" text-anchor="end" fill="#3a2f1e">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(1.0, r.p50 * scale):.1f}" height="{bar_h}" fill="#e6d49a"/>'
        )
        parts.append(
            f'<rect x="{left}" y="{y + bar_h}" width="{max(1.0, r.p95 * scale):.1f}" height="{bar_h}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{left + r.p95 * scale + 8:.1f}" y="{y + bar_h + 4}" fill="#3a2f1e">'
            f"p50 {r.p50:.0f} ms · p95 {r.p95:.0f} ms</text>"
        )
    x = left + STEP_P95_TARGET_MS * scale
    bottom = top + len(rows) * (2 * bar_h + gap)
    parts.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{bottom}" stroke="#555" stroke-dasharray="4 3"/>')
    parts.append(f'<text x="{x + 4:.1f}" y="{bottom + 16}" fill="#555">p95 target {STEP_P95_TARGET_MS:.0f} ms</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _step_rows(steps: dict[str, Result], *, judged: bool) -> list[str]:
    rows = []
    for key, label, request in CHECKOUT_STEPS:
        r = steps.get(key)
        if r is None:
            rows.append(f"| {label} | `{request}` | — | — | — | — | — | —" + (" | not run |" if judged else " |"))
            continue
        cells = (
            f"| {label} | `{request}` | {r.requests:,} | {r.failures:,} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} | "
            f"{r.rps:,.1f} |"
        )
        if judged:
            cells += f" {'met' if r.p95 <= STEP_P95_TARGET_MS and not r.failures else 'missed'} |"
        rows.append(cells)
    return rows


def checkout_markdown(
    steps: dict[str, Result],
    bare: Result | None,
    users: str,
    svg_name: str,
    paced: dict[str, Result] | None = None,
    rate: str = "16",
) -> list[str]:
    """The checkout at the target rate (latency, judged per step) and with no think time (the most
    orders a second, judged against the orders target)."""
    if not steps and not paced:
        return ["## Checkout", "", "Not run.", ""]
    header = "| Step | Request | Requests | Errors | p50 ms | p95 ms | p99 ms | req/s |"
    lines = [
        "## Checkout",
        "",
        f"{users} concurrent users; each order is another returning shopper's (their own account, API token and "
        "usual device, as in a real shop; below the step-up threshold): add the piece to the cart, place the "
        "order (ship to an address, stored in the vault; the risk engine scores it; the piece is reserved), "
        "create a sandbox payment, and the provider's HMAC-signed callback marks the order paid (the piece is "
        "sold). Every piece is bought once; the outbox delivers each event to its handlers in the same "
        "worker once the response has been sent (the risk engine screens every order, or the payment does "
        "when it comes first; the e-mail handlers run too but find no address on the benchmark's accounts, "
        "so no mail is rendered). That work still takes its share of the CPU. PostgreSQL runs with its durable "
        "defaults (every commit flushed to disk).",
        "",
    ]
    if paced:
        lines += [
            f"### At the target load: {rate} orders a second",
            "",
            f"The {users} users pace themselves so that together they start {rate} orders a second, each from a "
            "random phase of its cycle: the latency a shopper sees while the shop carries that load.",
            "",
            f"![Latency per checkout step]({svg_name})",
            "",
            header + " Target p95 ≤ 200 ms |",
            "|---|---|---:|---:|---:|---:|---:|---:|---|",
            *_step_rows(paced, judged=True),
            "",
            f"- Orders paid per second in this run: {orders_per_second(paced):.1f}.",
            "",
        ]
    if steps:
        orders = orders_per_second(steps)
        ceiling = f"{bare.rps:,.0f} req/s (p95 {bare.p95:.0f} ms)" if bare else "not run"
        lines += [
            "### As many orders as it takes: no think time",
            "",
            f"Each of the {users} users sends its next request the moment the last one is answered, so the shop "
            "runs flat out. Latency here is queueing: with N requests in flight the mean answer time is N ÷ "
            "throughput (Little's law), so these figures are the throughput's mirror, not a shopper's wait.",
            "",
            *([] if paced else [f"![Latency per checkout step]({svg_name})", ""]),
            header,
            "|---|---|---:|---:|---:|---:|---:|---:|",
            *_step_rows(steps, judged=False),
            "",
            f"- **Orders paid per second: {orders:.1f}** (target ≥ {ORDERS_TARGET:.0f}: "
            f"{'met' if orders >= ORDERS_TARGET else 'missed'}; Saleor ≈ {SALEOR_ORDERS_PER_S} orders/s at 20 "
            f"users, checkout completion p95 {SALEOR_CHECKOUT_P95_MS / 1000:.1f} s → "
            f"{orders / SALEOR_ORDERS_PER_S:.1f}×).",
            f"- Bare-view ceiling in the same run: {ceiling}. One order is four requests that write, so "
            "the checkout's request rate is the figure to set against it.",
            "",
        ]
    return lines


VAULT_OVERHEAD_TARGET = 0.10  # the vault adds at most 10 % to the checkout's p95


def vault_markdown(
    with_vault: dict[str, Result],
    without_vault: dict[str, Result],
    per_field: dict[str, dict[str, dict[str, float]]],
    rate: str = "8",
) -> list[str]:
    """The vault's price: per field, and on the checkout against the same checkout without it."""
    lines = ["## Personal-data vault", ""]
    if per_field:
        lines += [
            "Per field (`manage.py bench_vault`, in one process against the vault database; milliseconds):",
            "",
            "| Field | store p50 | store p95 | reveal p50 | reveal p95 | find p50 | find p95 |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for kind, ops in per_field.items():
            cells = []
            for op in ("store", "reveal", "find"):
                numbers = ops.get(op)
                cells += [f"{numbers['p50_ms']:.2f}", f"{numbers['p95_ms']:.2f}"] if numbers else ["—", "—"]
            lines.append(f"| {kind} | " + " | ".join(cells) + " |")
        lines.append("")
    if not with_vault or not without_vault:
        return [*lines, "The checkout without the vault was not run.", ""]
    lines += [
        f"The same checkout on two servers side by side, {rate} orders a second in all (a load where "
        "queueing does not drown what is measured), half of the users and half of the rate each, on separate "
        "pieces: as shipped (address, phone and recipient encrypted into the vault database, in segments, "
        "with blind indexes), and with the benchmark's no-vault baseline (`auric.demo.plain_privacy`: the "
        "same values as plain rows in the commerce database). Both run at the same time, so both meet the "
        "same machine; the steps that store no personal data show how close the two sides are. The "
        "difference is what the vault costs a shopper.",
        "",
        "| Step | p50 without vault | p50 with vault | p95 without vault | p95 with vault | Change of p95 |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, label, _ in CHECKOUT_STEPS:
        a, b = without_vault.get(key), with_vault.get(key)
        if a and b:
            change = (b.p95 - a.p95) / a.p95 if a.p95 else 0.0
            lines.append(
                f"| {label} | {a.p50:.0f} ms | {b.p50:.0f} ms | {a.p95:.0f} ms | {b.p95:.0f} ms | {change:+.0%} |"
            )
    place = CHECKOUT_STEPS[1][0]
    a, b = without_vault.get(place), with_vault.get(place)
    if a and b and a.p95:
        overhead = (b.p95 - a.p95) / a.p95
        verdict = "met" if overhead <= VAULT_OVERHEAD_TARGET else "missed"
        lines += [
            "",
            f"- **Placing the order (the step that stores personal data): p95 {overhead:+.0%} with the vault** "
            f"(target ≤ +{VAULT_OVERHEAD_TARGET:.0%}: {verdict}). Orders paid per second: "
            f"{orders_per_second(without_vault):.1f} without, {orders_per_second(with_vault):.1f} with.",
        ]
    return [*lines, ""]


def verdict(key: str, r: Result, bare: Result | None) -> str:
    if key not in TARGETED:
        return "—"
    checks = [("p95 ≤ 50 ms", r.p95 <= P95_TARGET_MS)]
    if bare is not None:
        checks.append(("≥ 50 % of bare", r.rps >= RATIO_TARGET * bare.rps))
    if r.failures:
        checks.append(("no errors", False))
    missed = [name for name, ok in checks if not ok]
    return "met" if not missed else "missed: " + ", ".join(missed)


def provenance_markdown(path: Path) -> list[str]:
    """The provenance log's figures (tests/bench/provenance.py), each beside its same-run baseline."""
    if not path.exists():
        return ["## Provenance log", "", "Not run (add `provenance` to AURIC_BENCH_SCENARIOS).", ""]
    figures = json.loads(path.read_text())
    appends = figures["appends"]
    row_read = figures["row_read_ms"]
    lines = [
        "## Provenance log",
        "",
        "In-process on the same PostgreSQL with the web servers stopped (`tests/bench/provenance.py`). "
        f"Appends: {appends['entries']:,} lab statements signed beforehand, submitted {appends['batch']} a request "
        "(parse, Ed25519 verification, acceptance) and sequenced in batches (tree nodes, one signed checkpoint a "
        "batch). Proof latency is server-side: the one query of stored subtree hashes and the hashing; the 100k "
        "and 1M trees are grown from synthetic leaves written straight into the node table.",
        "",
        "| Measure | Figure | Same-run baseline | Target |",
        "|---|---:|---:|---|",
        f"| Appends per second (verified, sequenced, checkpointed) | {appends['appends_per_s']:,.0f} | "
        f"bare Ed25519 verify {appends['verify_per_s']:,.0f}/s ({appends['appends_per_s'] / appends['verify_per_s']:.0%}) | "
        f"≥ 5,000/s: {'met' if appends['appends_per_s'] >= 5000 else 'NOT met'} |",
    ]
    for item in figures["inclusion"]:
        target = ""
        if item["size"] >= 1_000_000:
            target = f"< 1 ms: {'met' if item['p95_ms'] < 1 else 'NOT met'} (p95)"
        lines.append(
            f"| Inclusion proof at {item['size']:,} entries | p50 {item['p50_ms']:.3f} ms, p95 {item['p95_ms']:.3f} ms | "
            f"one-row read {row_read:.3f} ms ({item['p50_ms'] / row_read:.1f}×) | {target} |"
        )
    consistency = figures["consistency"]
    lines += [
        f"| Consistency proof at {consistency['size']:,} entries | p50 {consistency['p50_ms']:.3f} ms, "
        f"p95 {consistency['p95_ms']:.3f} ms | one-row read {row_read:.3f} ms ({consistency['p50_ms'] / row_read:.1f}×) | |",
        f"| Bytes per entry on disk (entries, tree nodes, checkpoints, indexes) | {figures['bytes_per_entry']:,.0f} | | |",
        "",
    ]
    return lines


def markdown(
    results: dict[str, Result], args: argparse.Namespace, targets: dict[str, object], steps: dict[str, Result]
) -> str:
    m = machine()
    bare = results.get("bare")
    lines = [
        "# Benchmarks",
        "",
        "Produced by `make bench` (scripts/bench.sh): the scaled demo catalog (`manage.py load_demo_data "
        f"--scale {args.scale}`) on PostgreSQL, served by gunicorn ({args.workers} sync workers, DEBUG off) on "
        f"127.0.0.1, driven by locust (headless, {args.users} concurrent users, no think time unless said, {args.duration} per "
        "scenario, one locust process per scenario on the same machine). The bare view is a Django view through "
        "the full middleware stack: the ceiling of this stack on this machine.",
        "",
        "Pages cache their content per catalog generation in Redis shared by the workers (docs/adr/0007); "
        "every committed catalog, price or stock change retires the cache. Listing URLs (category × facet × "
        "sort) are drawn from thousands of combinations, so many listing requests build their page; product "
        "pages are drawn by popularity (Zipf over 2,000 styles) and uniformly over the same styles (after the first pass over them these are cache hits too).",
        "",
        "![Requests per second per scenario](benchmarks.svg)",
        "",
        "## Run",
        "",
        "| | |",
        "|---|---|",
        f"| Date | {datetime.now().astimezone():%Y-%m-%d %H:%M %Z} |",
        f"| CPU | {m['cpu']} |",
        f"| Cores | {m['cores']} |",
        f"| RAM | {m['ram']} |",
        f"| OS | {m['os']} |",
        f"| Python | {m['python']} |",
        f"| PostgreSQL | {args.postgres} |",
        f"| Catalog | {targets.get('styles', '?'):,} styles ({targets.get('live_styles', '?'):,} live), "
        f"{targets.get('pieces', '?'):,} pieces |",
        f"| Load | {args.users} users, {args.duration} per scenario, gunicorn {args.workers} workers |",
        f"| Load average before the run | {args.loadavg or '?'} |",
        "",
        "## Results",
        "",
        "| Scenario | URL | Requests | Errors | p50 ms | p95 ms | p99 ms | req/s | vs bare | Target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for key, label, url in SCENARIOS:
        r = results.get(key)
        if r is None:
            lines.append(f"| {label} | `{url}` | — | — | — | — | — | — | — | not run |")
            continue
        ratio = f"{r.rps / bare.rps:.0%}" if bare and bare.rps else "—"
        lines.append(
            f"| {label} | `{url}` | {r.requests:,} | {r.failures:,} | {r.p50:.0f} | {r.p95:.0f} | {r.p99:.0f} | "
            f"{r.rps:,.1f} | {ratio} | {verdict(key, r, bare)} |"
        )
    lines += [
        "",
        "Targets from the issue: listing, search and product page p95 ≤ 50 ms and at least 50 % of the bare "
        "view's throughput.",
        "",
        "## Compared with Saleor",
        "",
        "The issue quotes Saleor on this kind of machine: listing ~19 req/s, product detail ~15 req/s, "
        "search ~19 req/s.",
        "",
        "| Scenario | Saleor req/s | Auric req/s | Auric ÷ Saleor |",
        "|---|---:|---:|---:|",
    ]
    for key in TARGETED:
        r = results.get(key)
        label = dict((k, lbl) for k, lbl, _ in SCENARIOS)[key]
        if r is None:
            lines.append(f"| {label} | {SALEOR[key]:.0f} | — | — |")
        else:
            lines.append(f"| {label} | {SALEOR[key]:.0f} | {r.rps:,.1f} | {r.rps / SALEOR[key]:.1f}× |")
    paced = getattr(args, "paced_steps", {})
    lines += [
        "",
        *checkout_markdown(
            steps, results.get("bare"), args.users, Path(args.checkout_svg).name, paced, getattr(args, "rate", "16")
        ),
    ]
    lines += vault_markdown(
        getattr(args, "light_steps", {}),
        getattr(args, "plain_steps", {}),
        getattr(args, "vault_fields", {}),
        getattr(args, "light_rate", "8"),
    )
    lines += provenance_markdown(Path(args.results) / "provenance.json")
    lines += [
        "## How to read and reproduce",
        "",
        "- `make bench` repeats the whole run: a private PostgreSQL on port 54340 under /tmp/auric-bench-pg "
        "(kept between runs, so the catalog is built once), gunicorn on 127.0.0.1:8765, locust per scenario; "
        "everything it started is stopped at the end. Raw locust CSVs and logs are kept in `/tmp/auric-bench-results/`.",
        "- Knobs: `AURIC_BENCH_SCALE` (default 50 → 10,000 styles), `AURIC_BENCH_USERS` (20), "
        "`AURIC_BENCH_DURATION` (30s), `AURIC_BENCH_WORKERS` (2 × cores), `AURIC_BENCH_ORDER_RATE` (16 orders a "
        "second: the target load), `AURIC_BENCH_LIGHT_RATE` (8 in all: the load that prices "
        "the vault, side by side with a server without it), `AURIC_BENCH_VAULT_DURATION` (60s), `AURIC_BENCH_FRESH=1` (rebuild the kept catalog).",
        "- locust runs on the same cores as gunicorn and PostgreSQL, so every figure here includes the cost of "
        "generating the load; the bare view's ceiling is partly locust's own ceiling. Other processes on the "
        "machine (see the load average) lower all figures alike; compare the ratios.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", required=True)
    parser.add_argument("--targets", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--svg", required=True)
    parser.add_argument("--checkout-svg", default="", help="default: next to --svg, named benchmarks-checkout.svg")
    parser.add_argument("--users", default="20")
    parser.add_argument("--rate", default="16", help="orders a second of the paced checkout at the target load")
    parser.add_argument("--light-rate", default="8", help="orders a second of the paced checkouts that price the vault")
    parser.add_argument("--duration", default="30s")
    parser.add_argument("--workers", default="?")
    parser.add_argument("--scale", default="50")
    parser.add_argument("--postgres", default="?")
    parser.add_argument("--loadavg", default="")
    args = parser.parse_args()
    results = {}
    for key, _, _ in SCENARIOS:
        r = read_stats(Path(args.results) / f"{key}_stats.csv", key)
        if r is not None:
            results[key] = r
    steps = {}
    for key, _, _ in CHECKOUT_STEPS:
        r = read_stats(Path(args.results) / "checkout_stats.csv", "checkout", name=key)
        if r is not None:
            steps[key] = r
    args.plain_steps, args.paced_steps, args.light_steps = {}, {}, {}
    for key, _, _ in CHECKOUT_STEPS:
        r = read_stats(Path(args.results) / "checkout_light_stats.csv", "checkout_light", name=key)
        if r is not None:
            args.light_steps[key] = r
        r = read_stats(Path(args.results) / "checkout_plain_stats.csv", "checkout_plain", name=key)
        if r is not None:
            args.plain_steps[key] = r
        r = read_stats(Path(args.results) / "checkout_paced_stats.csv", "checkout_paced", name=key)
        if r is not None:
            args.paced_steps[key] = r
    vault_json = Path(args.results) / "vault_fields.json"
    args.vault_fields = json.loads(vault_json.read_text(encoding="utf-8")) if vault_json.exists() else {}
    args.checkout_svg = args.checkout_svg or str(Path(args.svg).with_name("benchmarks-checkout.svg"))
    targets = json.loads(Path(args.targets).read_text(encoding="utf-8"))
    Path(args.out).write_text(markdown(results, args, targets, steps), encoding="utf-8")
    Path(args.svg).write_text(svg_chart(results), encoding="utf-8")
    if args.paced_steps or steps:
        Path(args.checkout_svg).write_text(checkout_svg(args.paced_steps or steps), encoding="utf-8")
    for key, r in results.items():
        print(f"{key:8} p50 {r.p50:6.0f} ms  p95 {r.p95:6.0f} ms  {r.rps:8.1f} req/s  errors {r.failures}")
    for title, run in (("at the target rate", args.paced_steps), ("no think time", steps)):
        for key, r in run.items():
            print(
                f"{key:20} p50 {r.p50:6.0f} ms  p95 {r.p95:6.0f} ms  {r.rps:8.1f} req/s  errors {r.failures}  ({title})"
            )
        if run:
            print(f"orders paid per second ({title}): {orders_per_second(run):.1f}")


if __name__ == "__main__":
    main()
