"""`manage.py load_demo_data [--scale N] [--styles N] [--force] [--seed 42]`: the demo jewelry shop.

Idempotent: does nothing when demo styles exist, unless --force (which removes them first).
Deterministic for a seed (and day: the metal price history ends today). The default catalog
(≈225 styles, ≈1,250 pieces) goes through the services row by row; --scale N (N > 1) builds
200×N styles with the bulk writer — `--scale 50` is the 10k-style / ~55k-piece benchmark catalog.
See `auric.demo.loader` for what each writer does.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any, cast

from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from auric.demo import loader
from auric.demo.plan import build_plan

DEFAULT_STYLES = 225
STYLES_PER_SCALE = 200


class RichUI:
    """One progress bar per phase."""

    def __init__(self, progress: Progress):
        self.progress = progress

    @contextmanager
    def task(self, description: str, total: int) -> Iterator[Any]:
        task_id = self.progress.add_task(description, total=max(total, 1))

        class _Task:
            def advance(_self, n: int = 1) -> None:
                self.progress.advance(task_id, n)

        yield _Task()
        self.progress.update(task_id, completed=max(total, 1))


class Command(BaseCommand):
    help = "Load the demo jewelry catalog (gold, diamonds, jade, pearls, silver), stores and prices."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=int, default=1, help="N > 1: 200×N styles via the bulk writer (50 → 10k styles)"
        )
        parser.add_argument("--styles", type=int, default=None, help="Exact number of styles (e.g. 20 for tests)")
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--force", action="store_true", help="Remove existing demo data and load again")
        parser.add_argument("--bulk", action="store_true", help="Use the bulk writer even at scale 1")
        parser.add_argument("--no-media", action="store_true", help="Skip images, spins and 3D models")

    def handle(self, *args: Any, **options: Any) -> None:
        # The raw stream: OutputWrapper would add a newline to each of rich's partial writes.
        console = Console(file=cast("IO[str]", getattr(self.stdout, "_out", sys.stdout)))
        scale = max(1, options["scale"])
        styles = options["styles"] or (DEFAULT_STYLES if scale == 1 else STYLES_PER_SCALE * scale)
        existing = loader.demo_styles().count()
        if existing and not options["force"]:
            console.print(f"Demo data is loaded already ({existing} styles); use --force to load it again.")
            return
        started = time.monotonic()
        if existing:
            console.print(f"Removing {loader.remove_demo_data()} demo styles …")
        plan = build_plan(styles=styles, seed=options["seed"])
        bulk = options["bulk"] or scale > 1
        columns = (TextColumn("{task.description:<44}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            result = loader.load(plan, bulk=bulk, ui=RichUI(progress), with_media=not options["no_media"])
        table = Table(title=f"Demo data ({'bulk' if bulk else 'services'}, seed {options['seed']})")
        table.add_column("rows")
        table.add_column("count", justify="right")
        for name, value in result.items():
            table.add_row(name, f"{value:,}")
        console.print(table)
        console.print(f"Done in {time.monotonic() - started:.1f} s.")
