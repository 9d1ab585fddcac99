"""Create a vault key (key-encryption key or blind-index key) for production configuration.

manage.py create_vault_key /etc/auric/vault-kek          # a new file, mode 0600
manage.py create_vault_key --print                       # base64 for AURIC_VAULT_KEK / _INDEX_KEY
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auric.privacy.keys import decode_key, key_id_of, new_key_text, write_key_file


class Command(BaseCommand):
    help = "Write a new random 256-bit vault key to a file (or print it as base64)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", nargs="?", help="key file to create (refuses to overwrite)")
        parser.add_argument("--print", action="store_true", help="print the base64 key instead")

    def handle(self, *args: Any, **options: Any) -> None:
        key = new_key_text()
        if options["print"]:
            self.stdout.write(key)
            return
        if not options["path"]:
            raise CommandError("Give a key file path, or --print.")
        path = Path(options["path"])
        if path.exists():
            raise CommandError(f"{path} exists; a key file is never overwritten (rotate_vault_key --new-key).")
        write_key_file(path, [key])
        self.stdout.write(f"Created {path} (key id {key_id_of(decode_key(key, source=str(path)))}).")
