"""The documented default tolerances (docs/quality.md), editable afterwards in the back office."""

from decimal import Decimal

from django.db import migrations

DEFAULTS = [
    # attribute, against, up to weight (g) or None for any, ±
    ("weight_g", "declared", Decimal(10), Decimal("0.01")),
    ("weight_g", "declared", Decimal(50), Decimal("0.02")),
    ("weight_g", "declared", None, Decimal("0.05")),
    ("fineness_permille", "declared", None, Decimal("2.0")),
    ("fineness_permille", "reading", None, Decimal("3.0")),
    ("carat", "declared", None, Decimal("0.01")),
    ("carat", "reading", None, Decimal("0.01")),
    ("colour", "declared", None, Decimal(0)),
    ("clarity", "declared", None, Decimal(0)),
    ("clarity", "reading", None, Decimal(0)),
]


def add_defaults(apps, schema_editor):
    Tolerance = apps.get_model("quality", "Tolerance")
    for attribute, against, up_to, plus_minus in DEFAULTS:
        Tolerance.objects.get_or_create(
            attribute=attribute, against=against, up_to_weight_g=up_to, defaults={"plus_minus": plus_minus}
        )


class Migration(migrations.Migration):
    dependencies = [("quality", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
