"""Cancel unpaid orders whose payment time ran out and give their stock back (run every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from auric.orders.services import expire_unpaid_orders


class Command(BaseCommand):
    help = "Cancel unpaid orders past their pay-by time and release their reservations."

    def handle(self, *args: Any, **options: Any) -> None:
        count = expire_unpaid_orders()
        self.stdout.write(f"{count} unpaid order(s) cancelled")
