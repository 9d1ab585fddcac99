"""Test support: empty the provenance log between tests that write outside a test transaction.

The log's tables refuse DELETE (append-only triggers); PostgreSQL empties them with TRUNCATE (which
those triggers do not see), SQLite with the triggers lifted for the moment.
"""

from __future__ import annotations

from django.db import connection

from auric.provenance.append_only import APPEND_ONLY_TABLES, create_sql, drop_sql

MUTABLE_TABLES = (
    "provenance_pendingentry",
    "provenance_loghead",
    "provenance_ownership",
    "provenance_ownersecret",
    "provenance_piecerecord",
    "provenance_partykey",
    "provenance_party",
)


def empty_log() -> None:
    tables = [*APPEND_ONLY_TABLES, *MUTABLE_TABLES]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)}")
            return
        for table in APPEND_ONLY_TABLES:
            for sql in drop_sql("sqlite", table):
                cursor.execute(sql)
        # Children first: cosignatures name checkpoints, keys name parties.
        for table in [
            "provenance_cosignature",
            *[t for t in APPEND_ONLY_TABLES if t != "provenance_cosignature"],
            *MUTABLE_TABLES,
        ]:
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - our own table names
        for table in APPEND_ONLY_TABLES:
            for sql in create_sql("sqlite", table):
                cursor.execute(sql)
