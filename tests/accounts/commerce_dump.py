"""Every cell of the commerce database, to prove a personal value is not in it (as tests/privacy does)."""

from __future__ import annotations

import json

from django.db import connections


def commerce_cells() -> list[str]:
    connection = connections["default"]
    cells: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 (names from introspection)
            for row in cursor.fetchall():
                for cell in row:
                    if isinstance(cell, memoryview | bytearray | bytes):
                        cells.append(bytes(cell).decode("latin-1"))
                    else:
                        cells.append(str(cell))
    return cells


def in_commerce_db(needle: str) -> bool:
    forms = {needle, json.dumps(needle)[1:-1]}  # plain, and as JSON text with \\u escapes
    return any(form in cell for cell in commerce_cells() for form in forms)
