"""The outbox: events commit with their change and reach each handler once."""

import pytest
from django.core.management import call_command
from django.db import transaction

from auric.core import events
from auric.core.models import AuditEntry, HandlerRun, OutboxEvent

pytestmark = pytest.mark.django_db

seen: list[str] = []


@pytest.fixture
def recording_handler():
    seen.clear()

    def record(event: OutboxEvent) -> None:
        seen.append(event.payload["n"])
        # A handler's own writes commit with its run record.
        AuditEntry.objects.create(
            action="handled", object_type="test", object_id=str(event.payload["n"]), actor_label="t"
        )

    events.handles("test.Happened")(record)
    yield record
    events.unregister("test.Happened", record)


@pytest.mark.django_db(transaction=True)
def test_publish_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        events.publish("test.Happened", {"n": 1})


def test_event_is_delivered_after_commit(recording_handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish("test.Happened", {"n": 1}, aggregate="test:1")
        assert seen == []
    assert seen == [1]
    event = OutboxEvent.objects.get()
    assert event.dispatched_at is not None
    assert HandlerRun.objects.get().succeeded_at is not None


def test_an_event_no_handler_listens_to_is_kept_as_delivered_and_costs_no_dispatch(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        events.publish("test.Unheard", {"n": 9}, aggregate="test:9")
    event = OutboxEvent.objects.get(name="test.Unheard")
    assert event.payload == {"n": 9} and event.dispatched_at is not None
    assert callbacks == []  # neither a dispatch nor a page-cache bump (not a catalog event)


def test_rolled_back_change_leaves_no_event(recording_handler, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ZeroDivisionError), transaction.atomic():
        events.publish("test.Happened", {"n": 2})
        1 / 0  # noqa: B018
    assert not OutboxEvent.objects.exists()
    assert seen == []


def test_redelivery_does_not_run_a_handler_twice(recording_handler):
    with transaction.atomic():
        event = events.publish("test.Happened", {"n": 3})
    assert events.dispatch(event.id)
    OutboxEvent.objects.filter(pk=event.pk).update(dispatched_at=None)
    assert events.dispatch(event.id)
    assert seen == [3]
    assert AuditEntry.objects.filter(action="handled").count() == 1


def test_failing_handler_is_recorded_retried_and_drained(django_capture_on_commit_callbacks):
    calls = {"n": 0}

    def flaky(event: OutboxEvent) -> None:
        calls["n"] += 1
        AuditEntry.objects.create(action="flaky", object_type="t", object_id="1", actor_label="t")
        if calls["n"] == 1:
            raise RuntimeError("provider down")

    events.handles("test.Flaky")(flaky)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            event = events.publish("test.Flaky", {})
        event.refresh_from_db()
        run = HandlerRun.objects.get(event=event)
        assert event.dispatched_at is None and event.attempts == 1
        assert "provider down" in run.last_error and run.succeeded_at is None
        # The failed attempt's writes were rolled back with it.
        assert AuditEntry.objects.filter(action="flaky").count() == 0

        call_command("drain_outbox")  # not due yet: backoff
        assert calls["n"] == 1
        OutboxEvent.objects.filter(pk=event.pk).update(next_attempt_at=event.occurred_at)
        report = events.drain_outbox()
        assert report.delivered == 1 and calls["n"] == 2
        assert AuditEntry.objects.filter(action="flaky").count() == 1
    finally:
        events.unregister("test.Flaky", flaky)


def test_gives_up_after_max_attempts(settings):
    settings.AURIC_EVENT_MAX_ATTEMPTS = 2

    def broken(event: OutboxEvent) -> None:
        raise ValueError("bad")

    events.handles("test.Broken")(broken)
    try:
        with transaction.atomic():
            event = events.publish("test.Broken", {})
        events.dispatch(event.id)
        events.dispatch(event.id)
        event.refresh_from_db()
        assert event.gave_up_at is not None
        assert events.drain_outbox(now=event.next_attempt_at).delivered == 0
    finally:
        events.unregister("test.Broken", broken)


@pytest.mark.django_db(transaction=True)
def test_events_committed_during_a_request_are_delivered_once_its_response_is_sent(recording_handler):
    from contextvars import ContextVar

    from django.core.signals import request_finished, request_started

    client_of_the_request: ContextVar[str] = ContextVar("client_of_the_request", default="none")
    clients: list[str] = []

    def note_client(event: OutboxEvent) -> None:
        clients.append(client_of_the_request.get())

    events.handles("test.Happened")(note_client)
    try:
        request_started.send(sender=None)
        client_of_the_request.set("shopper's phone")
        with transaction.atomic():
            events.publish("test.Happened", {"n": 7})
        assert seen == [] and OutboxEvent.objects.get().dispatched_at is None  # the shopper is not kept waiting
        client_of_the_request.set("another")
        request_finished.send(sender=None)
        # delivered, in the request's context as it was at commit
        assert seen == [7] and clients == ["shopper's phone"]
        assert OutboxEvent.objects.get().dispatched_at is not None
        with transaction.atomic():  # outside a request: right after commit
            events.publish("test.Happened", {"n": 8})
        assert seen == [7, 8]
    finally:
        events.unregister("test.Happened", note_client)
