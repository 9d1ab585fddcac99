"""PostgreSQL: store the search tsvector instead of recomputing it for every ranked row.

Adds `catalog_searchdocument.tsv`, a STORED generated column `to_tsvector('simple', text)`, with a
GIN index on it, and drops 0004's expression index (the search no longer uses that expression).
`ts_rank` then reads the stored vector instead of re-parsing each matching document's text.
The column is not part of the Django model (the ORM never writes it; PostgreSQL keeps it in step
with `text`); catalog.search queries it in raw SQL. SQLite (FTS5) and other databases: nothing.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "ALTER TABLE catalog_searchdocument ADD COLUMN IF NOT EXISTS tsv tsvector "
    "GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, text)) STORED",
    "CREATE INDEX IF NOT EXISTS catalog_searchdocument_tsv_idx ON catalog_searchdocument USING GIN (tsv)",
    "DROP INDEX IF EXISTS catalog_searchdocument_fts_idx",
]
POSTGRES_REVERSE = [
    "CREATE INDEX IF NOT EXISTS catalog_searchdocument_fts_idx "
    "ON catalog_searchdocument USING GIN (to_tsvector('simple'::regconfig, text))",
    "DROP INDEX IF EXISTS catalog_searchdocument_tsv_idx",
    "ALTER TABLE catalog_searchdocument DROP COLUMN IF EXISTS tsv",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_search_fts")]
    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD}),
            _run({"postgresql": POSTGRES_REVERSE}),
            elidable=False,
        )
    ]
