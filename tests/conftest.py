"""Shared fixtures."""

from __future__ import annotations

import pytest
from django.db import connection


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
