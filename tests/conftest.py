"""Shared fixtures."""

from __future__ import annotations

import pytest
from django.db import connection


@pytest.fixture
def on_postgres() -> bool:
    return connection.vendor == "postgresql"
