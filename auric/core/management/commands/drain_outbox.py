"""Deliver pending domain events (after a crash, or on a schedule in production)."""

from typing import Any

from django.core.management.base import BaseCommand

from auric.core.events import drain_outbox


class Command(BaseCommand):
    help = "Deliver pending outbox events to their handlers."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1000)

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        report = drain_outbox(limit=limit)
        self.stdout.write(f"delivered {report.delivered}, failed {report.failed}")
        for event_id in report.failures:
            self.stdout.write(f"  failed: {event_id}")
