from django.db import migrations

from auric.catalog.vocab import CRAFTS


def seed_crafts(apps, schema_editor):
    Tag = apps.get_model("catalog", "Tag")
    for code, (name, name_en) in CRAFTS.items():
        Tag.objects.update_or_create(code=code, defaults={"kind": "craft", "name": name, "name_en": name_en})


def unseed_crafts(apps, schema_editor):
    apps.get_model("catalog", "Tag").objects.filter(kind="craft", code__in=list(CRAFTS)).delete()


class Migration(migrations.Migration):
    dependencies = [("catalog", "0002_search_document")]
    operations = [migrations.RunPython(seed_crafts, unseed_crafts)]
