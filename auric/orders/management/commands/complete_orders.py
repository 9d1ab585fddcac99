"""Complete delivered / picked-up orders whose return window closed and that have no open return
(run hourly; R2: points and commissions unlock on orders.OrderCompleted)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from auric.orders.returns import complete_due_orders


class Command(BaseCommand):
    help = "Complete orders whose return window closed and that have no open return."

    def handle(self, *args: Any, **options: Any) -> None:
        count = complete_due_orders()
        self.stdout.write(f"{count} order(s) completed")
