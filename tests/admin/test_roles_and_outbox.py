"""Role groups, the demo operator, and retrying outbox events from the back office."""

from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse

from auric.accounts.roles import OPERATOR, STORE_STAFF, ensure_roles
from auric.core import events
from auric.core.models import OutboxEvent


@pytest.mark.django_db
def test_ensure_roles_is_idempotent():
    first = ensure_roles()
    second = ensure_roles()

    assert first == second
    assert Group.objects.filter(name__in=[OPERATOR, STORE_STAFF]).count() == 2


@pytest.mark.django_db
def test_store_staff_role_has_no_catalog_or_price_book_edits():
    ensure_roles()
    codenames = set(Group.objects.get(name=STORE_STAFF).permissions.values_list("codename", flat=True))

    assert not {c for c in codenames if c.startswith(("add_", "change_", "delete_"))}
    assert not {c for c in codenames if "metalprice" in c or "flashprice" in c}


@pytest.mark.django_db
def test_ensure_demo_operator_creates_a_staff_operator_that_can_log_in(capsys):
    call_command("ensure_demo_operator")
    call_command("ensure_demo_operator")  # idempotent

    user = authenticate(username="operator", password="auric-demo-2026")
    assert user is not None and user.is_staff and not user.is_superuser
    assert user.groups.filter(name=OPERATOR).exists()
    assert "auric-demo-2026" not in capsys.readouterr().out


@pytest.mark.django_db
def test_retry_action_delivers_a_failed_event(admin_client):
    delivered = []

    @events.handles("test.Retried")
    def handler(event):
        delivered.append(event.pk)

    try:
        event = OutboxEvent.objects.create(name="test.Retried", payload={}, attempts=3)
        admin_client.post(
            reverse("admin:core_outboxevent_changelist"), {"action": "retry_delivery", "_selected_action": [event.pk]}
        )
    finally:
        events.unregister("test.Retried", handler)

    event.refresh_from_db()
    assert delivered == [event.pk]
    assert event.dispatched_at is not None


@pytest.mark.django_db
def test_outbox_list_filters_failed_events(admin_client):
    from django.utils import timezone

    failed = OutboxEvent.objects.create(name="x.Failed", payload={}, attempts=8, gave_up_at=timezone.now())
    OutboxEvent.objects.create(name="x.Done", payload={}, dispatched_at=timezone.now())

    response = admin_client.get(reverse("admin:core_outboxevent_changelist") + "?delivery=failed")

    assert [e.pk for e in response.context["cl"].result_list] == [failed.pk]
