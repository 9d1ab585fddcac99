"""Import received pieces from an ERP CSV file, all or nothing (see auric.inventory.csv_sync)."""

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from auric.inventory.csv_sync import import_pieces_csv


class Command(BaseCommand):
    help = "Register and receive the pieces listed in a CSV file; nothing is written if any row is wrong."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--actor", help="Username recorded as the one who received the stock")

    def handle(self, *args: Any, path: Path, actor: str | None, **options: Any) -> None:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        user: Any = "import:erp"
        if actor:
            user = get_user_model().objects.filter(username=actor).first()
            if user is None:
                raise CommandError(f"No user {actor!r}")
        columns = (TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
        with Progress(*columns, transient=True, disable=not self.stdout.isatty()) as bar:
            task = bar.add_task("import", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            report = import_pieces_csv(data=data, actor=user, progress=progress)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"{len(report.errors)} problem(s) in {path}; nothing was imported")
        self.stdout.write(f"imported {report.created} piece(s) from {path}")
