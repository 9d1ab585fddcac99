"""Import a metal price CSV (all rows or none) and print what happened."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from auric.pricing.csv_import import MAX_BYTES, import_metal_prices_csv


class Command(BaseCommand):
    help = "Import metal prices from a CSV file: metal,fineness,date,price_per_gram[,currency]."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", help="Username recorded as the person who entered the prices")

    def handle(self, *args: Any, path: Path, user: str | None = None, **options: Any) -> None:
        actor: Any = "import_metal_prices command"
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"No user named {user!r}")
        try:
            with path.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        report = import_metal_prices_csv(data=data, actor=actor)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} problem(s) found; nothing was imported")
        self.stdout.write(
            self.style.SUCCESS(f"created {report.created}, updated {report.updated}, unchanged {report.unchanged}")
        )
