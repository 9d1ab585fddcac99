"""The monthly dynamic elimination, run at the start of each month for the month before: rank live
styles by return and complaint rates and record the proposals; an operator reviews them in the back
office before they are published (docs/suppliers.md "Monthly elimination")."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from auric.core.errors import DomainError
from auric.quality import elimination


class Command(BaseCommand):
    help = "Rank a month's live styles by return and complaint rates and propose the worst for delisting."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="YYYY-MM (default: last month)")
        parser.add_argument(
            "--recompute", action="store_true", help="Redo a run still in review (discards its reviews)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["month"]:
                month = elimination.parse_month(options["month"])
            else:
                month = (timezone.localdate().replace(day=1) - timedelta(days=1)).replace(day=1)
            run = elimination.run_elimination(month=month, recompute=options["recompute"])
        except DomainError as error:
            raise CommandError(error.detail) from error
        self.stdout.write(
            f"{run.month:%Y-%m}: {run.judged} style(s) judged (≥ {run.min_units} units sold), "
            f"bottom {run.bottom_share_percent.normalize()} %; {run.get_state_display()}"
        )
        for result in run.results.filter(proposed=True).select_related("style").order_by("rank"):
            self.stdout.write(
                f"  #{result.rank} {result.style.code}: {result.reason} [{result.get_decision_display()}]"
            )
