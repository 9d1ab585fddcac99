"""Full-text index over catalog_searchdocument.text, per database vendor.

SQLite: an external-content FTS5 table (rowid = style_id) kept in sync by triggers; the text is
already segmented by jieba with spaces, so the plain unicode61 tokenizer splits it into words.
PostgreSQL: a GIN index on to_tsvector('simple', text), the exact expression catalog.search uses.
Other databases: nothing (catalog.search falls back to LIKE).
"""

from django.db import migrations

SQLITE_FORWARD = [
    """CREATE VIRTUAL TABLE catalog_search_fts USING fts5(
        text, content='catalog_searchdocument', content_rowid='style_id', tokenize='unicode61'
    )""",
    """CREATE TRIGGER catalog_searchdocument_fts_ai AFTER INSERT ON catalog_searchdocument BEGIN
        INSERT INTO catalog_search_fts(rowid, text) VALUES (new.style_id, new.text);
    END""",
    """CREATE TRIGGER catalog_searchdocument_fts_ad AFTER DELETE ON catalog_searchdocument BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, text) VALUES ('delete', old.style_id, old.text);
    END""",
    """CREATE TRIGGER catalog_searchdocument_fts_au AFTER UPDATE ON catalog_searchdocument BEGIN
        INSERT INTO catalog_search_fts(catalog_search_fts, rowid, text) VALUES ('delete', old.style_id, old.text);
        INSERT INTO catalog_search_fts(rowid, text) VALUES (new.style_id, new.text);
    END""",
    "INSERT INTO catalog_search_fts(catalog_search_fts) VALUES ('rebuild')",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_au",
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_ad",
    "DROP TRIGGER IF EXISTS catalog_searchdocument_fts_ai",
    "DROP TABLE IF EXISTS catalog_search_fts",
]
POSTGRES_FORWARD = [
    "CREATE INDEX IF NOT EXISTS catalog_searchdocument_fts_idx "
    "ON catalog_searchdocument USING GIN (to_tsvector('simple'::regconfig, text))",
]
POSTGRES_REVERSE = ["DROP INDEX IF EXISTS catalog_searchdocument_fts_idx"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_seed_crafts")]
    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_REVERSE, "postgresql": POSTGRES_REVERSE}),
            elidable=False,
        )
    ]
