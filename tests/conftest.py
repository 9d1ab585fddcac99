"""Shared fixtures."""

from __future__ import annotations

import pytest
from django.db import connection

_DB_FIXTURES = {"db", "transactional_db", "live_server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every database test may touch the personal-data vault (placing an order stores an address),
    so each gets the `vault` alias beside the ones it asks for."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker is None and not _DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            continue
        kwargs = dict(marker.kwargs) if marker else {}
        if marker and marker.args:
            kwargs.setdefault("transaction", marker.args[0])
        databases = kwargs.get("databases")
        if databases == "__all__":
            continue
        kwargs["databases"] = [*dict.fromkeys([*(databases or ["default"]), "vault"])]
        item.add_marker(pytest.mark.django_db(**kwargs), append=False)


@pytest.fixture(scope="session", autouse=True)
def _stray_vault_sessions_ended(django_db_setup, django_db_blocker):
    """Worker threads in concurrency tests close their `default` connection only; on PostgreSQL their
    `vault` connections would keep the vault test database from being dropped at the end."""
    yield
    from django.db import DatabaseError, connections

    vault = connections["vault"]
    if vault.vendor != "postgresql" or not str(vault.settings_dict["NAME"]).startswith("test"):
        return
    with django_db_blocker.unblock():
        try:
            with vault.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        except DatabaseError:
            pass


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: cached fragments are keyed by a generation that
    restarts with every test database."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="session", autouse=True)
def _flush_lifts_the_log_guard():
    """Transactional tests empty every table afterwards. PostgreSQL empties with TRUNCATE, which the
    provenance log's append-only triggers do not see; SQLite deletes rows, which they refuse. So on
    SQLite the flush alone drops those triggers and puts them back."""
    import django.db.backends.sqlite3.base  # noqa: F401  (the backend first: operations imports it back)
    from django.db.backends.sqlite3.operations import DatabaseOperations

    from auric.provenance.append_only import APPEND_ONLY_TABLES, create_sql, drop_sql

    original = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, **kwargs):
        statements = original(self, style, tables, **kwargs)
        guarded = [table for table in APPEND_ONLY_TABLES if table in tables]
        if not statements or not guarded:
            return statements
        drop = [sql for table in guarded for sql in drop_sql("sqlite", table)]
        create = [sql for table in guarded for sql in create_sql("sqlite", table)]
        return [*drop, *statements, *create]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = original


@pytest.fixture(autouse=True)
def _outside_any_request():
    """Each test starts outside a web request: a response an earlier test never closed (so Django
    never sent request_finished) must not leave later events waiting for the end of that request."""
    from auric.core import events

    token = events._after_response.set(None)
    yield
    events._after_response.reset(token)


@pytest.fixture
def one_rate_window(monkeypatch):
    """Rate limits count in fixed windows; a test that spends an allowance must not straddle a
    window boundary (the count would restart). Pins the limiter's clock to the middle of a window."""
    import time
    from types import SimpleNamespace

    from auric.core import ratelimit

    pinned = (time.time() // 3600) * 3600 + 1800.0
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: pinned))
    return pinned
