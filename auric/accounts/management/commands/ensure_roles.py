"""Create or update the back-office role groups (see accounts.roles). Idempotent."""

from typing import Any

from django.core.management.base import BaseCommand

from auric.accounts.roles import ensure_roles


class Command(BaseCommand):
    help = "Create or update the back-office role groups and their permissions."

    def handle(self, *args: Any, **options: Any) -> None:
        for name, count in ensure_roles().items():
            self.stdout.write(f"role {name!r}: {count} permissions")
