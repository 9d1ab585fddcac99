"""Delete SMS sign-in codes older than the throttling windows need (a day by default)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from auric.accounts.sms_login import purge_sms_codes


class Command(BaseCommand):
    help = "Delete SMS sign-in codes older than --hours (default 24)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, default=24)

    def handle(self, *args: Any, **options: Any) -> None:
        hours = max(2, int(options["hours"]))  # the hourly send limits look back one hour
        deleted = purge_sms_codes(older_than=timedelta(hours=hours))
        self.stdout.write(f"deleted {deleted} SMS codes")
