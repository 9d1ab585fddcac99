"""Cached fragments are retired by committed changes, never by rolled-back ones."""

import pytest
from django.db import transaction

from auric.core import events
from auric.core.cache import bump_after_commit, cached, generation

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_committed_catalog_change_bumps_the_generation_once():
    start = generation()
    with transaction.atomic():
        events.publish("catalog.Test", {})
        events.publish("inventory.Test", {})
    assert generation() == start + 1


def test_events_pages_do_not_show_leave_cached_pages_alone():
    start = generation()
    with transaction.atomic():
        events.publish("orders.Test", {})
        events.publish("payments.Test", {})
    assert generation() == start


def test_a_rolled_back_change_leaves_the_generation_alone():
    start = generation()
    with pytest.raises(RuntimeError), transaction.atomic():
        bump_after_commit()
        raise RuntimeError("abort")
    assert generation() == start


def test_cached_value_is_rebuilt_after_a_bump():
    builds = []

    def build() -> str:
        builds.append(1)
        return f"v{len(builds)}"

    assert cached(area="catalog", parts=("x",), build=build) == "v1"
    assert cached(area="catalog", parts=("x",), build=build) == "v1"
    with transaction.atomic():
        bump_after_commit()
    assert cached(area="catalog", parts=("x",), build=build) == "v2"
