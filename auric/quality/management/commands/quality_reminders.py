"""Supplier reminders, run daily: certifications lapsing within N days, audits and corrective
actions due or overdue; one event per item per day (docs/suppliers.md "Reminders")."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auric.quality import reminders


class Command(BaseCommand):
    help = "List supplier certifications, audits and corrective actions that need attention; publish reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days", type=int, default=reminders.DEFAULT_DAYS, help="Look this many days ahead (default 30)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if not 0 <= days <= reminders.MAX_DAYS:
            raise CommandError(f"--days must be between 0 and {reminders.MAX_DAYS}")
        results = reminders.send_reminders(days=days)
        titles = {
            reminders.CERTIFICATION_LAPSED: "Lapsed certifications of approved suppliers",
            reminders.CERTIFICATION_LAPSING: f"Certifications lapsing within {days} days",
            reminders.AUDIT_DUE: f"Audits due within {days} days or overdue",
            reminders.CORRECTIVE_ACTION_DUE: f"Corrective actions due within {days} days or overdue",
        }
        for kind, title in titles.items():
            rows = [(reminder, sent) for reminder, sent in results if reminder.kind == kind]
            if not rows:
                continue
            self.stdout.write(f"{title}:")
            for reminder, sent in rows:
                note = "" if sent else " (already reminded today)"
                self.stdout.write(f"  {reminder.supplier_code}: {reminder.text}{note}")
        new = sum(1 for _, sent in results if sent)
        self.stdout.write(f"{len(results)} reminder(s), {new} published now")
