"""Idempotency-Key: a retried write answers like the first and runs once."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test import RequestFactory
from django.utils import timezone
from ninja import Status

from auric.core.errors import Conflict
from auric.core.idempotency import IdempotencyKeyReused, idempotent_call, purge_expired
from auric.core.models import IdempotencyKey
from tests.factories import UserFactory


def request_for(user, key: str | None = "key-1"):
    request = RequestFactory().post("/api/v1/thing", headers={"Idempotency-Key": key} if key else {})
    request.auth = user
    return request


class Operation:
    def __init__(self, pause: float = 0):
        self.runs = 0
        self.pause = pause

    def __call__(self):
        self.runs += 1
        time.sleep(self.pause)
        return Status(201, {"run": self.runs, "at": timezone.now()})


def call(user, body, operation, *, key="key-1", name="things.create"):
    return idempotent_call(request_for(user, key), operation=name, body=body, call=operation)


@pytest.mark.django_db
def test_the_same_key_and_body_answers_the_first_answer_and_runs_once():
    user, op = UserFactory(), Operation()

    first = call(user, {"a": 1}, op)
    second = call(user, {"a": 1}, op)

    assert op.runs == 1
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.content == second.content
    stored = IdempotencyKey.objects.get()
    assert (stored.user_id, stored.operation, stored.key, stored.status_code) == (
        user.pk,
        "things.create",
        "key-1",
        201,
    )
    assert len(stored.body_sha256) == 64


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused_with_422():
    user, op = UserFactory(), Operation()
    call(user, {"a": 1}, op)

    with pytest.raises(IdempotencyKeyReused) as refused:
        call(user, {"a": 2}, op)

    assert refused.value.status == 422 and refused.value.code == "idempotency_key_reused"
    assert op.runs == 1


@pytest.mark.django_db
def test_different_users_with_the_same_key_are_independent():
    op = Operation()

    call(UserFactory(), {"a": 1}, op)
    call(UserFactory(), {"a": 1}, op)

    assert op.runs == 2


@pytest.mark.django_db
def test_the_same_key_on_another_operation_is_independent():
    user, op = UserFactory(), Operation()

    call(user, {"a": 1}, op, name="orders.payments.create")
    call(user, {"a": 1}, op, name="orders.refunds.create")

    assert op.runs == 2


@pytest.mark.django_db
def test_without_the_header_every_call_runs():
    user, op = UserFactory(), Operation()

    call(user, {"a": 1}, op, key=None)
    result = call(user, {"a": 1}, op, key=None)

    assert op.runs == 2 and isinstance(result, Status) and result.status_code == 201
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_a_failed_call_releases_the_key_so_a_retry_runs():
    user, op = UserFactory(), Operation()

    def failing():
        raise Conflict("not now")

    with pytest.raises(Conflict):
        call(user, {"a": 1}, failing)
    call(user, {"a": 1}, op)

    assert op.runs == 1 and IdempotencyKey.objects.get().status_code == 201


@pytest.mark.django_db
def test_a_key_older_than_24_hours_runs_again_and_is_purged():
    user, op = UserFactory(), Operation()
    call(user, {"a": 1}, op)
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))

    call(user, {"a": 1}, op)

    assert op.runs == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert purge_expired() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["x" * 256, "ключ", "a\tb"])
def test_a_malformed_key_is_refused(bad):
    from auric.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed):
        call(UserFactory(), {}, Operation(), key=bad)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_run_once_and_both_get_the_answer():
    if connection.vendor == "sqlite" and "memory" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database")
    user, op = UserFactory(), Operation(pause=0.3)
    barrier = threading.Barrier(4)
    answers: list[bytes] = []

    def attempt() -> None:
        try:
            barrier.wait()
            answers.append(call(user, {"a": 1}, op).content)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert op.runs == 1
    assert len(answers) == 4 and len(set(answers)) == 1
