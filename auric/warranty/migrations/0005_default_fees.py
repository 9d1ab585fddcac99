"""The documented default buyback and trade-in fee schedule (auric/warranty/fees.py, docs/warranty.md)."""

from django.db import migrations

from auric.warranty.fees import seed_default_fees


def seed(apps, schema_editor):
    seed_default_fees(apps.get_model("warranty", "BuybackFee"))


class Migration(migrations.Migration):
    dependencies = [("warranty", "0004_buyback_claims_reports")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
