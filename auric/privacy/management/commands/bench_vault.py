"""Print the vault's per-field cost: store, reveal and blind-index find, p50/p95 in milliseconds."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from auric.privacy.bench import SAMPLES, measure


class Command(BaseCommand):
    help = "Measure vault store/reveal/find p50 and p95 per field over N synthetic values."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("-n", type=int, default=200, help="values per field")
        parser.add_argument("--kinds", default=",".join(SAMPLES), help="comma-separated kinds")
        parser.add_argument("--json", action="store_true", help="print JSON instead of a table")

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = tuple(k for k in options["kinds"].split(",") if k)
        results = measure(n=options["n"], kinds=kinds)
        if options["json"]:
            self.stdout.write(json.dumps(results, indent=2))
            return
        self.stdout.write(f"{'field':<10} {'operation':<8} {'p50 ms':>8} {'p95 ms':>8}")
        for kind, operations in results.items():
            for operation, numbers in operations.items():
                self.stdout.write(f"{kind:<10} {operation:<8} {numbers['p50_ms']:>8} {numbers['p95_ms']:>8}")
