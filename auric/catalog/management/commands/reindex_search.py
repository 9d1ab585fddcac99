"""Rebuild the catalog search documents (and, on SQLite, the FTS5 index over them)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection, transaction

from auric.catalog.models import Style
from auric.catalog.search import FTS_TABLE, INDEX_CHUNK, index_styles


class Command(BaseCommand):
    help = "Re-segment and re-index the search text of styles (all of them unless codes are given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("codes", nargs="*", help="Style codes to reindex (default: every style)")
        parser.add_argument(
            "--rebuild-fts",
            action="store_true",
            help="SQLite: also rebuild the FTS5 table from catalog_searchdocument (after a restore or a crash)",
        )

    def handle(self, *args: Any, codes: list[str], rebuild_fts: bool, **options: Any) -> None:
        styles = Style.objects.order_by("id")
        if codes:
            styles = styles.filter(code__in=codes)
            missing = sorted(set(codes) - set(styles.values_list("code", flat=True)))
            for code in missing:
                self.stderr.write(f"No style with code {code}")
        ids = list(styles.values_list("id", flat=True))
        written = 0
        for start in range(0, len(ids), INDEX_CHUNK):
            with transaction.atomic():
                written += index_styles(style_ids=ids[start : start + INDEX_CHUNK])
        if rebuild_fts and connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")  # nosec B608 # noqa: S608 - constant
        self.stdout.write(self.style.SUCCESS(f"Indexed {written} styles."))
