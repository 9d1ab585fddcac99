"""Re-wrap every vault data key under a new key-encryption key, with a progress bar; resumable.

manage.py rotate_vault_key --new-key   # file keys: a new current key goes first in the key file
manage.py rotate_vault_key             # re-wrap what is left (after an interruption, or after the
                                       # operator put a new key first in AURIC_VAULT_KEK)
manage.py rotate_vault_key --retire    # when done: drop keys no row uses from the key file
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from auric.privacy import rotation
from auric.privacy.keys import (
    decode_key,
    kek_file_path,
    key_id_of,
    key_provider,
    new_key_text,
    reset_keys,
    write_key_file,
)


class Command(BaseCommand):
    help = "Re-wrap all vault data keys under the current (or a new) key-encryption key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", action="store_true", help="generate a new current key in the key file")
        parser.add_argument("--retire", action="store_true", help="after a complete rotation, drop unused old keys")
        parser.add_argument("--batch-size", type=int, default=500)
        parser.add_argument("--max-rows", type=int, default=None, help="stop after this many rows (resume later)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self._new_key()
        provider = key_provider()
        with Progress(
            TextColumn("re-wrapping data keys"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            disable=options["verbosity"] == 0,
        ) as progress:
            task = progress.add_task("rotate", total=None)

            def on_start(total: int, done: int) -> None:
                progress.update(task, total=total, completed=done)

            report = rotation.rotate(
                batch_size=options["batch_size"],
                max_rows=options["max_rows"],
                on_start=on_start,
                on_batch=lambda count: progress.advance(task, count),
            )
        state = "complete" if report.finished else "incomplete: run again to continue"
        self.stdout.write(
            f"Key {provider.current_key_id}: {report.rewrapped}/{report.total} data keys re-wrapped ({state})."
        )
        if report.failed:
            self.stderr.write(f"{report.failed} rows did not verify and keep their old key (see the log).")
        if options["retire"]:
            if not report.finished:
                raise CommandError("Not retiring old keys: the rotation is not complete.")
            self._retire()

    def _key_file(self):
        path = kek_file_path()
        if path is None:
            raise CommandError(
                "The keys come from AURIC_VAULT_KEK: put the new key first there (new,old), restart, "
                "run this command, then remove the old key."
            )
        return path

    def _new_key(self) -> None:
        path = self._key_file()
        old = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        fresh = new_key_text()
        write_key_file(path, [fresh, *old])
        reset_keys()
        self.stdout.write(f"New current key {key_id_of(decode_key(fresh, source='new key'))} in {path}.")

    def _retire(self) -> None:
        path = self._key_file()
        used = rotation.key_ids_in_use()
        current = key_provider().current_key_id
        lines = [line.strip() for line in path.read_text().splitlines() if line.strip()]
        kept = [t for t in lines if key_id_of(decode_key(t, source=str(path))) in used | {current}]
        write_key_file(path, kept)
        reset_keys()
        self.stdout.write(f"Retired {len(lines) - len(kept)} key(s); {len(kept)} left in {path}.")
