"""Expire reservations whose time is up, so their pieces and units can be sold again.

Run it every minute (cron, or Celery beat in production); reserving a piece also takes over a
lapsed hold on its own, so a late run never blocks a shopper.
"""

from typing import Any

from django.core.management.base import BaseCommand

from auric.inventory.services import expire_reservations


class Command(BaseCommand):
    help = "Expire reservations whose time is up and make their stock available again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=1000, help="At most this many per batch")

    def handle(self, *args: Any, limit: int, **options: Any) -> None:
        total = 0
        while True:
            expired = expire_reservations(limit=limit)
            total += expired
            if expired < limit:
                break
        self.stdout.write(f"expired {total} reservation(s)")
