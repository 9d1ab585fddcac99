"""Cost of the vault per field: store, reveal and blind-index lookup, p50/p95 over N synthetic values.

`make bench` calls `manage.py bench_vault`; the rows it writes are deleted afterwards.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from auric.privacy import vault
from auric.privacy.models import PersonalValue, RevealLog

SAMPLES: dict[str, Callable[[int], Any]] = {
    "name": lambda i: f"测试用户{i:05d}",
    "phone": lambda i: f"139{i:08d}",
    "email": lambda i: f"bench.{i}@example.cn",
    "id_number": lambda i: f"11010519900101{i % 10000:04d}",
    "address": lambda i: {
        "name": f"测试{i}",
        "phone": f"139{i:08d}",
        "region": "上海市",
        "city": "上海市",
        "district": "静安区",
        "street": f"测试路{i}号",
    },
}


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered) * 1000, 3), "p95_ms": round(p95 * 1000, 3)}


def measure(*, n: int = 200, kinds: tuple[str, ...] = tuple(SAMPLES)) -> dict[str, dict[str, dict[str, float]]]:
    """{kind: {"store"|"reveal"|"find": {"p50_ms", "p95_ms"}}}."""
    results: dict[str, dict[str, dict[str, float]]] = {}
    tokens: list[str] = []
    try:
        for kind in kinds:
            timings: dict[str, list[float]] = {"store": [], "reveal": [], "find": []}
            for i in range(n):
                value = SAMPLES[kind](i)
                start = time.perf_counter()
                token = vault.store(kind, value)
                timings["store"].append(time.perf_counter() - start)
                tokens.append(token)
                start = time.perf_counter()
                vault.reveal(token, "handle_ticket", actor="system: bench")
                timings["reveal"].append(time.perf_counter() - start)
                if kind in vault.INDEXED_KINDS:
                    start = time.perf_counter()
                    vault.find(kind, value)
                    timings["find"].append(time.perf_counter() - start)
            results[kind] = {op: _percentiles(values) for op, values in timings.items() if values}
    finally:
        for start in range(0, len(tokens), 500):
            chunk = tokens[start : start + 500]
            RevealLog.objects.filter(token__in=chunk).delete()
            PersonalValue.objects.filter(token__in=chunk).delete()
    return results
