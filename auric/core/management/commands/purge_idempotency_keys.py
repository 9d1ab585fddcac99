"""Delete expired Idempotency-Key records (run hourly, next to expire_unpaid_orders and complete_orders)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from auric.core.idempotency import purge_expired, ttl


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than AURIC_IDEMPOTENCY_TTL_HOURS (24 by default)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch-size", type=int, default=1000, help="Rows deleted per transaction")

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = max(int(options["batch_size"]), 1)
        count = purge_expired(batch_size=batch_size)
        hours = ttl().total_seconds() / 3600
        self.stdout.write(f"{count} expired idempotency key(s) deleted (older than {hours:g} h)")
