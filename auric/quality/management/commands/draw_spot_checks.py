"""`manage.py draw_spot_checks` (run daily): draw the sample of every spot-check plan that is due;
the drawn pieces are held off sale with an open storage inspection at their location."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from auric.quality.services import draw_due_spot_checks


class Command(BaseCommand):
    help = "Draw the samples of the storage spot-check plans that are due."

    def handle(self, *args: Any, **options: Any) -> None:
        samples = draw_due_spot_checks()
        for sample in samples:
            self.stdout.write(
                f"{sample.plan}: {sample.inspections.count()} of {sample.population} pieces drawn (sample {sample.pk})"
            )
        self.stdout.write(f"{len(samples)} plans drawn")
