"""The vault's database routing and its benchmark helper."""

import pytest
from django.core.management import call_command

from auric.accounts.models import User
from auric.orders.models import Order
from auric.privacy.bench import measure
from auric.privacy.models import PersonalValue, RevealLog
from auric.privacy.routers import VaultRouter

pytestmark = pytest.mark.django_db


def test_privacy_models_go_to_the_vault_and_nothing_else_does():
    router = VaultRouter()
    assert router.db_for_read(PersonalValue) == router.db_for_write(RevealLog) == "vault"
    assert router.db_for_read(Order) is None and router.db_for_write(User) is None
    assert router.allow_migrate("vault", "privacy") and not router.allow_migrate("default", "privacy")
    assert router.allow_migrate("vault", "orders") is False and router.allow_migrate("default", "orders") is None


def test_the_benchmark_reports_percentiles_per_field_and_leaves_nothing_behind(capsys):
    results = measure(n=5, kinds=("phone", "address"))
    assert set(results["phone"]) == {"store", "reveal", "find"} and set(results["address"]) == {"store", "reveal"}
    assert all(0 < r["p50_ms"] <= r["p95_ms"] for ops in results.values() for r in ops.values())
    assert not PersonalValue.objects.exists() and not RevealLog.objects.exists()
    call_command("bench_vault", "-n", "3", "--kinds", "email")
    assert "email      find" in capsys.readouterr().out
