"""The documented default warranty terms (auric/warranty/terms.py, docs/warranty.md)."""

from django.db import migrations

from auric.warranty.terms import seed_default_terms


def seed(apps, schema_editor):
    seed_default_terms(apps.get_model("warranty", "WarrantyTerms"), apps.get_model("warranty", "TermsEntitlement"))


class Migration(migrations.Migration):
    dependencies = [("warranty", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
