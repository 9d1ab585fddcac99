"""Seed rule set v1: the default weights of `auric.risk.scoring.SIGNALS`, frozen here as values
(a migration must not change when the code's defaults do)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    # signal, weight, threshold, window_days
    ("address_changes", 30, "3", 1),
    ("distinct_addresses", 15, "4", 30),
    ("account_age", 10, "7", 0),
    ("new_device", 10, "1", 0),
    ("shared_device", 25, "3", 30),
    ("ip_region_mismatch", 10, "1", 0),
    ("login_region_new", 10, "1", 90),
    ("order_velocity", 15, "3", 1),
    ("value_vs_history", 20, "3", 365),
    ("failed_payments", 15, "2", 7),
    ("new_passkey", 20, "50000", 1),
]


def seed(apps, schema_editor):
    RuleSet = apps.get_model("risk", "RuleSet")
    Rule = apps.get_model("risk", "Rule")
    if RuleSet.objects.exists():
        return
    rule_set = RuleSet.objects.create(
        version=1, is_active=True, note="default rules", step_up_at=40, hold_at=60, block_at=150
    )
    Rule.objects.bulk_create(
        Rule(rule_set=rule_set, signal=code, weight=weight, threshold=Decimal(threshold), window_days=window)
        for code, weight, threshold, window in DEFAULT_RULES
    )


def unseed(apps, schema_editor):
    apps.get_model("risk", "RuleSet").objects.filter(version=1, decisions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
