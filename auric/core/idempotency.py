"""`Idempotency-Key` for API writes a client may retry (place order, create payment, refund).

The same key with the same body, by the same user on the same operation, answers with the first
answer and the operation runs once; the same key with a different body is refused (422
`idempotency_key_reused`). Keys live 24 hours (`AURIC_IDEMPOTENCY_TTL_HOURS`); the scheduled job
`manage.py purge_idempotency_keys` deletes expired ones.

How it holds under concurrency: the key row (unique on user, operation, key) is inserted at the start
of the operation's own transaction (`INSERT … ON CONFLICT DO NOTHING`), and the operation's answer is
written to it before that transaction commits, so a committed key always carries its answer. A
concurrent duplicate's insert waits until the first call's transaction ends (PostgreSQL waits on the
unique index; SQLite runs one writer at a time), then replays the committed answer; if the first call
failed, nothing of it was committed and the duplicate runs. Only successful answers are stored: when
the operation raises (a 409, a 422, a crash) its transaction rolls back with the key, so the client
may fix the cause and retry with the same key. A crashed process leaves nothing behind: the database
rolls back the transaction of a connection that died.

Use it from a ninja operation, either as a call:

    return idempotent_call(request, operation="orders.payments.create", body={"number": number, **payload.dict()},
                           call=lambda: Status(201, start(...)))

or as a decorator on the operation (the body is every argument but the request):

    @router.post(...)
    @idempotent("orders.checkout")
    def checkout(request, payload: CheckoutIn): ...

Without the header, or for an anonymous caller, the operation simply runs.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Status
from pydantic import BaseModel

from auric.core.errors import ValidationFailed
from auric.core.models import IdempotencyKey
from auric.core.sql import insert_unless_present
from auric.core.transactions import service_transaction

HEADER = "Idempotency-Key"
UNIQUE = ("user", "operation", "key")
TTL = timedelta(hours=24)
MAX_KEY_LENGTH = 255


class IdempotencyKeyReused(ValidationFailed):
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used with a different request"


def jsonable(value: Any) -> Any:
    """The JSON form of an answer or a body: pydantic models dumped, decimals and dates as text."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def body_digest(body: Any) -> str:
    canonical = json.dumps(jsonable(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _key_of(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not key or len(key) > MAX_KEY_LENGTH or not key.isascii() or not key.isprintable():
        raise ValidationFailed(
            f"{HEADER} must be 1–{MAX_KEY_LENGTH} printable ASCII characters",
            errors={HEADER: ["1–255 printable ASCII characters"]},
        )
    return key


def _user_of(request: HttpRequest) -> Any:
    user = getattr(request, "auth", None) or getattr(request, "user", None)
    return user if getattr(user, "is_authenticated", False) else None


def _claim(*, user: Any, operation: str, key: str, digest: str) -> tuple[IdempotencyKey, bool]:
    """Inside the operation's transaction: (the new key row, True) when this call claims the key, else
    (the committed first answer, False) to replay; IdempotencyKeyReused when that was for another body.
    A duplicate of a call still running waits at the insert until that call's transaction ends."""
    now = timezone.now()
    row = IdempotencyKey(user=user, operation=operation, key=key, body_sha256=digest, created_at=now)
    if insert_unless_present(row, unique=UNIQUE):
        return row, True
    existing = IdempotencyKey.objects.select_for_update().get(user=user, operation=operation, key=key)
    if existing.created_at < now - ttl():
        # Expired (not purged yet): the retry runs again under the same key.
        existing.body_sha256, existing.created_at = digest, now
        existing.status_code, existing.response, existing.completed_at = None, "", None
        existing.save(update_fields=["body_sha256", "created_at", "status_code", "response", "completed_at"])
        return existing, True
    if existing.body_sha256 != digest:
        raise IdempotencyKeyReused(f"The {HEADER} {key!r} was first used with a different request body; use a new key")
    return existing, False


def _split(result: Any) -> tuple[int, Any]:
    if isinstance(result, Status):
        return result.status_code, result.value
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[0], int):
        return result[0], result[1]
    return 200, result


def idempotent_call(
    request: HttpRequest, *, operation: str, body: Any, call: Callable[[], Any]
) -> Status | HttpResponse:
    """Run `call` (returning `Status(code, payload)`, `(code, payload)` or a payload for 200) at most
    once per key; see the module text."""
    key = _key_of(request)
    user = _user_of(request)
    if key is None or user is None:
        return Status(*_split(call()))
    digest = body_digest(body)
    with service_transaction():  # the operation's services join it: no savepoints
        row, claimed = _claim(user=user, operation=operation, key=key, digest=digest)
        if claimed:
            status, payload = _split(call())
            content = json.dumps(jsonable(payload), ensure_ascii=False)
            IdempotencyKey.objects.filter(pk=row.pk).update(
                status_code=status, response=content, completed_at=timezone.now()
            )
    if not claimed:
        replay = HttpResponse(row.response, status=row.status_code or 200, content_type="application/json")
        replay["Idempotent-Replayed"] = "true"
        return replay
    return HttpResponse(content, status=status, content_type="application/json")


def idempotent(operation: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator form for a ninja operation (returning `Status(code, payload)` or a payload); the
    body hashed is every argument but the request (path parameters included)."""

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            return idempotent_call(
                request, operation=operation, body={"args": args, **kwargs}, call=lambda: view(request, *args, **kwargs)
            )

        return wrapper

    return decorate


def ttl() -> timedelta:
    """How long a key's answer is kept: `AURIC_IDEMPOTENCY_TTL_HOURS` (24 by default)."""
    return timedelta(hours=float(getattr(settings, "AURIC_IDEMPOTENCY_TTL_HOURS", TTL.total_seconds() / 3600)))


def purge_expired(*, now: Any = None, batch_size: int = 1000) -> int:
    """Delete the keys older than the TTL (a retry after that runs the operation again); returns how
    many. Deleted in batches of `batch_size`, each its own short transaction, so a large backlog
    never holds the table for long. Run by `manage.py purge_idempotency_keys`."""
    cutoff = (now or timezone.now()) - ttl()
    deleted = 0
    while True:
        batch = list(IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        count, _ = IdempotencyKey.objects.filter(pk__in=batch, created_at__lt=cutoff).delete()
        deleted += count
