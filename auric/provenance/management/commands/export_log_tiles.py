"""Write the log's static files (checkpoint, hash tiles, entry bundles) to a directory.

A mirror or a CDN origin serves the directory as it is at `<prefix>/checkpoint`,
`<prefix>/tile/<L>/<N>[.p/<W>]` and `<prefix>/tile/entries/<N>[.p/<W>]` (C2SP tlog-tiles); full
tiles never change, so a re-export only adds files.
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from auric.provenance import selectors, tiles
from auric.provenance.log_views import tile_bytes


class Command(BaseCommand):
    help = "Export the provenance log as static C2SP tlog-tiles files."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory", type=Path)

    def handle(self, *args: Any, directory: Path, **options: Any) -> None:
        checkpoint = selectors.latest_checkpoint()
        if checkpoint is None:
            raise CommandError("the log is empty")
        size = checkpoint.size
        written = 0
        hash_tiles = tiles.tiles_of(size)
        full, partial = tiles.tile_counts(size, 0)
        bundles = [(None, index, None) for index in range(full)] + ([(None, full, partial)] if partial else [])
        for level, index, width in [*hash_tiles, *bundles]:
            path = directory / tiles.tile_path("entries" if level is None else level, index, width)
            if width is None and path.exists():
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(tile_bytes(level, index, width, size))
            written += 1
        # The checkpoint last, so a reader never sees a checkpoint whose tiles are not there yet.
        (directory / "checkpoint").write_text(selectors.checkpoint_note(checkpoint))
        self.stdout.write(f"wrote {written} tile file(s) and the checkpoint for size {size}")
