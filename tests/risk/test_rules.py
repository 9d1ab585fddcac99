"""Rule sets are versioned: every edit in the back office is a new version; old ones stay."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from auric.accounts import roles
from auric.core.errors import ValidationFailed
from auric.risk import scoring, services
from auric.risk.models import RuleSet
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def operator_client() -> Client:
    roles.ensure_roles()
    user = UserFactory(username="op", is_staff=True)
    user.groups.add(Group.objects.get(name=roles.OPERATOR))
    client = Client()
    client.force_login(user)
    return client


def test_the_seeded_default_is_version_1_with_every_signal():
    v1 = RuleSet.objects.get(is_active=True)

    assert v1.version == 1 and (v1.step_up_at, v1.hold_at, v1.block_at) == (40, 60, 150)
    assert sorted(v1.rules.values_list("signal", flat=True)) == sorted(s.code for s in scoring.SIGNALS)


def test_an_edit_in_the_back_office_saves_a_new_version_and_keeps_the_old():
    client = operator_client()
    page = client.get(reverse("admin:risk_ruleset_add"))
    form = dict(page.context["adminform"].form.initial)
    data = {k: ("on" if v is True else "" if v is False else v) for k, v in form.items() if v is not None}
    data.update({"new_device__weight": "35", "note": "phones are cheap", "hold_at": "70"})
    data = {k: v for k, v in data.items() if v != ""}

    response = client.post(reverse("admin:risk_ruleset_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    v1, v2 = RuleSet.objects.order_by("version")
    assert (v1.is_active, v2.is_active, v2.version, v2.hold_at) == (False, True, 2, 70)
    assert v2.created_by.username == "op" and v2.note == "phones are cheap"
    assert v2.rules.get(signal="new_device").weight == 35
    assert v1.rules.get(signal="new_device").weight == 10  # the old version is untouched


def test_saved_versions_cannot_be_changed_or_deleted():
    client = operator_client()
    v1 = RuleSet.objects.get(version=1)

    page = client.get(reverse("admin:risk_ruleset_change", args=[v1.pk]))
    deletion = client.post(reverse("admin:risk_ruleset_delete", args=[v1.pk]), {"post": "yes"})

    assert page.status_code == 200 and page.context["has_change_permission"] is False
    assert deletion.status_code == 403 and RuleSet.objects.filter(pk=v1.pk).exists()


def test_thresholds_out_of_order_are_refused_and_nothing_changes():
    rules = [services.RuleSpec("new_device", 10, Decimal(1))]

    with pytest.raises(ValidationFailed) as refused:
        services.publish_rule_set(rules=rules, step_up_at=70, hold_at=60, block_at=150)

    assert "thresholds" in refused.value.errors
    assert RuleSet.objects.get(is_active=True).version == 1


def test_an_unknown_signal_is_refused():
    with pytest.raises(ValidationFailed):
        services.publish_rule_set(
            rules=[services.RuleSpec("horoscope", 10, Decimal(1))], step_up_at=40, hold_at=60, block_at=150
        )
