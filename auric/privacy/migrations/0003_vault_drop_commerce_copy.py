"""Before the vault, personal values sat in plaintext in the commerce database (0001 ran there).

Since 0002 the privacy tables live only in the `vault` database; this drops the old plaintext copies
from the commerce database when they exist (databases created before the vault). Nothing is copied:
no production data existed before the vault.
"""

from django.db import connections, migrations

from auric.privacy.routers import COMMERCE_CLEANUP, VAULT

OLD_TABLES = ("privacy_personalvalue", "privacy_reveallog")


def _same_database(alias: str) -> bool:
    if VAULT not in connections.settings:
        return True
    mine, vault = connections[alias].settings_dict, connections[VAULT].settings_dict
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(mine.get(k) == vault.get(k) for k in keys)


def drop_plaintext_tables(apps, schema_editor):
    connection = schema_editor.connection
    if _same_database(connection.alias):
        return
    existing = set(connection.introspection.table_names())
    for table in OLD_TABLES:
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")


class Migration(migrations.Migration):
    dependencies = [("privacy", "0002_vault_segments")]

    operations = [
        migrations.RunPython(drop_plaintext_tables, migrations.RunPython.noop, hints={COMMERCE_CLEANUP: True}),
    ]
