"""`manage.py purge_idempotency_keys`: the scheduled job that deletes Idempotency-Key answers older
than their time to live (24 hours, `AURIC_IDEMPOTENCY_TTL_HOURS`) and says how many it deleted."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from auric.core.models import IdempotencyKey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def key_aged(user, name: str, age: timedelta) -> IdempotencyKey:
    return IdempotencyKey.objects.create(
        user=user,
        operation="payments.refund",
        key=name,
        body_sha256="0" * 64,
        status_code=201,
        response="{}",
        created_at=timezone.now() - age,
    )


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_idempotency_keys", *args, stdout=out)
    return out.getvalue()


def test_expired_keys_are_deleted_and_counted_and_live_ones_kept():
    user = UserFactory()
    for name in ("old-1", "old-2", "old-3"):
        key_aged(user, name, timedelta(hours=25))
    key_aged(user, "fresh", timedelta(hours=23))

    output = purge("--batch-size", "2")  # more than one batch

    assert output.startswith("3 expired idempotency key(s) deleted")
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_nothing_to_purge_says_zero():
    key_aged(UserFactory(), "fresh", timedelta(minutes=5))

    assert purge().startswith("0 expired idempotency key(s) deleted")
    assert IdempotencyKey.objects.count() == 1


def test_the_time_to_live_follows_the_setting(settings):
    settings.AURIC_IDEMPOTENCY_TTL_HOURS = 1
    key_aged(UserFactory(), "two-hours-old", timedelta(hours=2))

    assert purge().startswith("1 expired idempotency key(s) deleted (older than 1 h)")
    assert not IdempotencyKey.objects.exists()
