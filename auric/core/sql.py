"""Statements the ORM cannot say in one round trip, written once, portable to PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import models, transaction


def column(model: type[models.Model], field: str) -> str:
    """The database column of a model field, for hand-written SQL."""
    name = getattr(model._meta.get_field(field), "column", None)
    if not name:
        raise ValueError(f"{model.__name__}.{field} is not a column")
    return str(name)


def insert_unless_present(instance: models.Model, *, unique: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING pk: True (and the pk set) when this call
    inserted the row, False when a row with the same unique values exists. On PostgreSQL a conflicting
    row that another transaction is still inserting makes this wait for that transaction's end, so a
    False always means "committed by someone else"; SQLite serialises writers anyway."""
    meta = instance._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = [
        f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]
    values = [f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields]
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = ", ".join(quote(column(type(instance), name)) for name in unique)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # nosec B608 # noqa: S608
        f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    instance.pk = row[0]
    instance._state.adding, instance._state.db = False, connection.alias
    return True
