"""Domain events through a transactional outbox.

`publish()` writes the event in the caller's transaction, so an event exists if and only if the
change it describes was committed. After commit the dispatcher delivers it to every registered
handler at least once — during a web request, once its response has been sent; a handler's own writes and the record that it ran commit together, which
makes redelivery harmless. Failures are retried with backoff and kept for operators to see;
`manage.py drain_outbox` delivers whatever is still pending (after a crash, or in production when
workers run it on a schedule).
"""

from __future__ import annotations

import logging
import traceback
from collections import defaultdict
from collections.abc import Callable, Mapping
from contextvars import Context, ContextVar, copy_context
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from auric.core.cache import PAGE_EVENT_PREFIXES, bump_after_commit
from auric.core.models import HandlerRun, OutboxEvent
from auric.core.transactions import service_transaction

logger = logging.getLogger(__name__)

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, dict[str, Handler]] = defaultdict(dict)


def handler_key(func: Handler) -> str:
    return f"{func.__module__}.{func.__qualname__}"


def handles(*event_names: str) -> Callable[[Handler], Handler]:
    """Register a function as an idempotent handler of the named events."""

    def register(func: Handler) -> Handler:
        for name in event_names:
            _handlers[name][handler_key(func)] = func
        return func

    return register


def handlers_for(name: str) -> dict[str, Handler]:
    return dict(_handlers.get(name, {}))


def unregister(name: str, func: Handler) -> None:
    _handlers.get(name, {}).pop(handler_key(func), None)


def publish(name: str, payload: Mapping[str, Any], *, aggregate: str = "") -> OutboxEvent:
    """Record an event in the current transaction; it is delivered after commit."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"publish({name!r}) must run inside the transaction that made the change")
    handlers = _handlers.get(name)
    # An event nobody handles yet is kept as a record (later features read the outbox) but needs no
    # delivery: it is written as delivered, which saves the dispatcher two queries per event.
    event = OutboxEvent.objects.create(
        name=name, payload=dict(payload), aggregate=aggregate, dispatched_at=None if handlers else timezone.now()
    )
    if name.startswith(PAGE_EVENT_PREFIXES):
        # Cached storefront fragments built before this change are retired at commit.
        bump_after_commit()
    if handlers and settings.AURIC_DISPATCH_EVENTS_ON_COMMIT:
        transaction.on_commit(lambda: _deliver_now_or_after_response(event), robust=True)
    return event


# Events committed while a web request is served wait here until its response has been sent
# (request_finished): the shopper does not wait for e-mails and screening (ADR 0013).
_after_response: ContextVar[list[tuple[OutboxEvent, Context]] | None] = ContextVar(
    "auric_events_after_response", default=None
)


def _deliver_now_or_after_response(event: OutboxEvent) -> None:
    pending = _after_response.get()
    if pending is None:
        _deliver(event)
    else:
        # The request's context travels with the event: handlers see its client (IP, device).
        pending.append((event, copy_context()))


@receiver(request_started, dispatch_uid="auric.events.request_started")
def _hold_deliveries_for_the_response(**kwargs: Any) -> None:
    _after_response.set([])


@receiver(request_finished, dispatch_uid="auric.events.request_finished")
def _deliver_after_the_response(**kwargs: Any) -> None:
    pending, _ = _after_response.get(), _after_response.set(None)
    for event, context in pending or []:
        try:
            context.run(_deliver, event)
        except Exception:  # a delivery failure must not hide the others; the outbox retries it
            logger.exception("Delivering event %s after the response failed", event.pk)


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(2**attempts, 3600))


def dispatch(event_id: UUID) -> bool:
    """Deliver one event to the handlers that have not yet run it. True when all succeeded."""
    event = OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).first()
    if event is None:
        return True
    return _deliver(event)


def _deliver(event: OutboxEvent) -> bool:
    """`dispatch` of an event in hand (just committed): its handler runs say what is left to do."""
    all_ok = True
    for key, func in handlers_for(event.name).items():
        if not _run_handler(event, key, func):
            all_ok = False
    now = timezone.now()
    event.attempts += 1
    if all_ok:
        event.dispatched_at = now
    elif event.attempts >= settings.AURIC_EVENT_MAX_ATTEMPTS:
        event.gave_up_at = now
    else:
        event.next_attempt_at = now + _backoff(event.attempts)
    event.save(update_fields=["attempts", "dispatched_at", "gave_up_at", "next_attempt_at"])
    return all_ok


def _run_handler(event: OutboxEvent, key: str, func: Handler) -> bool:
    try:
        # The handler's services join this transaction (ADR 0011): a failure rolls all of it back.
        with service_transaction():
            run, done = _claim_run(event, key)
            if done:
                return True
            func(event)
            run.attempts += 1
            run.succeeded_at = run.last_attempt_at = timezone.now()
            run.last_error = ""
            run.save(update_fields=["attempts", "succeeded_at", "last_attempt_at", "last_error"])
        return True
    except Exception:
        logger.exception("Handler %s failed on event %s", key, event.pk)
        error = traceback.format_exc(limit=5)
        run, _ = HandlerRun.objects.get_or_create(event=event, handler=key)
        HandlerRun.objects.filter(pk=run.pk).update(
            attempts=run.attempts + 1, last_error=error[-4000:], last_attempt_at=timezone.now()
        )
        return False


def _claim_run(event: OutboxEvent, key: str) -> tuple[HandlerRun, bool]:
    """The handler's run row and whether it already succeeded, created if new and locked until the
    transaction ends, in ONE statement where get_or_create and a lock take four: INSERT … ON CONFLICT
    DO UPDATE … RETURNING locks the row it returns, new or existing (on PostgreSQL a second
    dispatcher waits there until the first commits, then sees its outcome; SQLite serialises writers)."""
    connection = transaction.get_connection()
    table = connection.ops.quote_name(HandlerRun._meta.db_table)
    event_id = HandlerRun._meta.get_field("event").get_db_prep_value(event.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (event_id, handler, attempts, last_error) VALUES (%s, %s, 0, '') "  # nosec B608 # noqa: S608
            f"ON CONFLICT (event_id, handler) DO UPDATE SET attempts = {table}.attempts "
            "RETURNING id, attempts, succeeded_at",
            [event_id, key],
        )
        pk, attempts, succeeded_at = cursor.fetchone()
    # Only whether it succeeded matters here (the raw value's type differs between databases).
    return HandlerRun(pk=pk, event=event, handler=key, attempts=attempts), succeeded_at is not None


@dataclass
class DrainReport:
    delivered: int = 0
    failed: int = 0
    failures: list[str] = field(default_factory=list)


def drain_outbox(*, limit: int = 1000, now: Any = None) -> DrainReport:
    """Deliver pending events whose retry time has come, oldest first."""
    now = now or timezone.now()
    report = DrainReport()
    pending = OutboxEvent.objects.filter(
        dispatched_at__isnull=True, gave_up_at__isnull=True, next_attempt_at__lte=now
    ).values_list("pk", flat=True)[:limit]
    for event_id in list(pending):
        if dispatch(event_id):
            report.delivered += 1
        else:
            report.failed += 1
            report.failures.append(str(event_id))
    return report
