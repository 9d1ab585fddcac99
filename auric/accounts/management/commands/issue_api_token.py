"""Issue an API token for a user and print its secret once: `manage.py issue_api_token USERNAME NAME`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from auric.accounts.models import User
from auric.accounts.services import issue_api_token
from auric.core.errors import DomainError


class Command(BaseCommand):
    help = "Issue an API bearer token for USERNAME; the secret is printed once and never stored."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("name", help="What the token is for, e.g. 'price feed'")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(username=options["username"])
        except User.DoesNotExist as exc:
            raise CommandError(f"No user named {options['username']!r}") from exc
        try:
            issued = issue_api_token(user=user, name=options["name"])
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        self.stderr.write(f"Token {issued.token.name!r} for {user.username} (prefix {issued.token.key_prefix}).")
        self.stderr.write("Store it now; it cannot be shown again:")
        self.stdout.write(issued.secret)
