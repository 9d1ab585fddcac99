"""Default required certifications and the elimination policy (docs/suppliers.md)."""

from decimal import Decimal

from django.db import migrations

DEFAULT_RULES = [
    # (scheme, supplier kind, gem, natural only, note)
    ("business_licence", "", "", False, "Every supplier: a valid business licence (营业执照)"),
    ("kimberley", "", "diamond", True, "A piece with a natural diamond: the Kimberley Process chain"),
    ("rjc_coc", "refiner", "", False, "Refiners: RJC Chain of Custody for responsibly sourced metal"),
]


def seed(apps, schema_editor):
    Rule = apps.get_model("quality", "RequiredCertification")
    Policy = apps.get_model("quality", "EliminationPolicy")
    for scheme, kind, gem, natural_only, note in DEFAULT_RULES:
        Rule.objects.get_or_create(
            scheme=scheme, supplier_kind=kind, gem=gem, metal="", category=None,
            defaults={"natural_only": natural_only, "note": note},
        )
    Policy.objects.get_or_create(pk=1, defaults={"min_units": 20, "bottom_share_percent": Decimal("5.00")})


def unseed(apps, schema_editor):
    Rule = apps.get_model("quality", "RequiredCertification")
    for scheme, kind, gem, _natural_only, _note in DEFAULT_RULES:
        Rule.objects.filter(scheme=scheme, supplier_kind=kind, gem=gem, metal="", category=None).delete()


class Migration(migrations.Migration):
    dependencies = [("quality", "0004_suppliers_complaints_elimination")]

    operations = [migrations.RunPython(seed, unseed)]
