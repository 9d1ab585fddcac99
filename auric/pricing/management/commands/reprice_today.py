"""Daily job: reprice every by-weight piece with today's metal prices and apply flash windows."""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from auric.pricing.models import PriceChange
from auric.pricing.services import reprice, reprice_flash_windows


class Command(BaseCommand):
    help = "Reprice by-weight pieces with today's metal prices, and styles whose flash prices started or ended."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--since-minutes",
            type=int,
            default=24 * 60,
            help="Apply flash prices that started or ended this many minutes back (default one day)",
        )
        parser.add_argument(
            "--flash-only", action="store_true", help="Only apply flash windows (run every few minutes)"
        )

    def handle(self, *args: Any, since_minutes: int, flash_only: bool, **options: Any) -> None:
        now = timezone.now()
        flash = reprice_flash_windows(since=now - timedelta(minutes=max(since_minutes, 1)), until=now)
        self.stdout.write(f"flash windows: {flash} piece price(s) changed")
        if flash_only:
            return
        changed = reprice(by_weight_only=True, reason=PriceChange.Reason.METAL_PRICE, at=now, note="daily reprice")
        self.stdout.write(f"by weight: {changed} piece price(s) changed")
