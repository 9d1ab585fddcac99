"""Integrate pending provenance entries into the log and sign a checkpoint per batch.

With `AURIC_PROVENANCE_SEQUENCE_ON_COMMIT` (the default) each submission runs the sequencer right
after it commits; production may turn that off and run `sequence_log --loop` as the one sequencer.
"""

import time
from typing import Any

from django.core.management.base import BaseCommand

from auric.provenance.services import integrate_pending


class Command(BaseCommand):
    help = "Integrate pending provenance entries (one checkpoint per batch)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Most entries per batch")
        parser.add_argument("--loop", action="store_true", help="Keep running, polling every --interval seconds")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, limit: int | None, loop: bool, interval: float, **options: Any) -> None:
        while True:
            checkpoint = integrate_pending(limit=limit)
            if checkpoint is not None:
                self.stdout.write(f"checkpoint {checkpoint.size}")
                continue
            if not loop:
                return
            time.sleep(interval)
