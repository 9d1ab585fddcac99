"""`service_transaction()`: the one transaction of a service function, shared by the services it calls.

Services promise "one transaction, all or nothing" and call each other (placing an order reserves
pieces and clears the cart; a payment marks its order paid and sells the pieces). With plain nested
`transaction.atomic()` every inner service would open a savepoint, two more round trips each, only to
roll back to it just before the outer service rolls back everything anyway.

So the outermost service opens a normal atomic block (a savepoint when its own caller, a view or a
test, already holds a transaction, so the caller may catch the error and go on) and the services it
calls join that block without savepoints. Code that catches a service's error and carries on inside
the same service transaction must open its own `transaction.atomic()` around the call; on an error
Django rolls back to that savepoint and the transaction goes on (payments does this around
`mark_paid`; `expire_reservations` around each release).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import transaction

_in_service: ContextVar[bool] = ContextVar("auric_in_service_transaction", default=False)


@contextmanager
def service_transaction() -> Iterator[None]:
    """A service's transaction: its own atomic block when called from outside a service, else the
    calling service's (no savepoint)."""
    if _in_service.get() and transaction.get_connection().in_atomic_block:
        with transaction.atomic(savepoint=False):
            yield
        return
    token = _in_service.set(True)
    try:
        with transaction.atomic():
            yield
    finally:
        _in_service.reset(token)
