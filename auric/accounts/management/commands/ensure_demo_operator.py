"""Create or update the demo back-office user "operator" (password from the README). Idempotent.

For demos on a laptop only: the password is public, so never run this against a shop that is
reachable by anyone else.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from auric.accounts.roles import OPERATOR, ensure_roles

USERNAME = "operator"
DEMO_PASSWORD = "auric-demo-2026"  # noqa: S105 - the documented demo password


class Command(BaseCommand):
    help = "Create or update the demo operator user (is_staff, in the operator group)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        ensure_roles()
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(username=USERNAME)
        user.is_staff = True
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=OPERATOR))
        verb = "created" if created else "updated"
        self.stdout.write(f"{verb} back-office user {USERNAME!r} in group {OPERATOR!r}")
