"""Database triggers that make the log's tables append-only, on SQLite and PostgreSQL.

They guard against mistakes and casual edits; someone with the database owner's rights can still
drop them, which is why the Merkle tree, the signed checkpoints and the witnesses exist: such an edit
is then detected by `audit_log`, the offline verifier and every witness.
"""

from __future__ import annotations

from typing import Any

APPEND_ONLY_TABLES = (
    "provenance_logentry",
    "provenance_treenode",
    "provenance_checkpoint",
    "provenance_cosignature",
    "provenance_submission",
)
MESSAGE = "the provenance log is append-only"


def create_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION provenance_refuse_change()"
        ]
    return [
        f"CREATE TRIGGER {table}_no_{operation} BEFORE {operation.upper()} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
        for operation in ("update", "delete")
    ]


def drop_sql(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}"]
    return [f"DROP TRIGGER IF EXISTS {table}_no_{operation}" for operation in ("update", "delete")]


POSTGRES_FUNCTION = f"""
CREATE OR REPLACE FUNCTION provenance_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- no percent signs: Django composes this text like a query with parameters
    RAISE EXCEPTION USING MESSAGE = '{MESSAGE}: ' || TG_OP || ' on ' || TG_TABLE_NAME,
        ERRCODE = 'integrity_constraint_violation';
END
$$
"""


def install(schema_editor: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in {"postgresql", "sqlite"}:
        return
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
    for table in tables:
        for statement in create_sql(vendor, table):
            schema_editor.execute(statement)


def uninstall(schema_editor: Any, tables: tuple[str, ...] = APPEND_ONLY_TABLES) -> None:
    vendor = schema_editor.connection.vendor
    for table in tables:
        for statement in drop_sql(vendor, table):
            schema_editor.execute(statement)
