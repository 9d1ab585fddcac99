"""Export stock (pieces with location and status, and quantity stock) as CSV for the ERP."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from auric.inventory.csv_sync import export_stock_csv


class Command(BaseCommand):
    help = "Write every piece in stock and every quantity stock line as CSV (stdout or --output)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--output", "-o", type=Path, help="File to write (default: standard output)")

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        text = export_stock_csv()
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
            self.stderr.write(f"wrote {text.count(chr(10)) - 1} row(s) to {output}")
