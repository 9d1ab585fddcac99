"""Statements the ORM cannot say in one round trip, written once, portable to PostgreSQL and SQLite."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from typing import Any

from django.db import connections, models, transaction


def column(model: type[models.Model], field: str) -> str:
    """The database column of a model field, for hand-written SQL."""
    name = getattr(model._meta.get_field(field), "column", None)
    if not name:
        raise ValueError(f"{model.__name__}.{field} is not a column")
    return str(name)


def _insert_fields(meta: Any) -> list[models.Field]:
    # An auto-increment key is the database's to assign; every other concrete column is written.
    return [
        f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField | models.BigAutoField))
    ]


def insert_all(groups: Sequence[Sequence[models.Model]], *, using: str) -> None:
    """Insert new rows of several tables at once, atomically: on PostgreSQL as ONE statement (the
    tables chained as data-modifying common table expressions, so one round trip and no BEGIN or
    COMMIT of its own), elsewhere as one bulk insert per table inside a transaction. Rows must carry
    their own primary keys when other rows of the same call refer to them (the database assigns
    auto-increment keys, which are not read back). Empty groups are skipped."""
    groups = [group for group in groups if group]
    if not groups:
        return
    connection = connections[using]
    if connection.vendor != "postgresql":
        with transaction.atomic(using=using):
            for group in groups:
                type(group[0])._default_manager.using(using).bulk_create(group)
        return
    quote = connection.ops.quote_name
    statements: list[str] = []
    params: list[Any] = []
    for group in groups:
        meta = group[0]._meta
        fields = _insert_fields(meta)
        rows = ", ".join("(" + ", ".join(["%s"] * len(fields)) + ")" for _ in group)
        columns = ", ".join(quote(str(f.column)) for f in fields)
        statements.append(f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {rows}")  # nosec B608 # noqa: S608
        for instance in group:
            params.extend(f.get_db_prep_save(f.pre_save(instance, add=True), connection) for f in fields)
    *first, last = statements
    chained = ", ".join(f"i{number} AS ({statement})" for number, statement in enumerate(first))
    sql = f"WITH {chained} {last}" if first else last
    # Alone, the statement is its own transaction; inside one, a savepoint keeps a refusal from
    # aborting the caller's transaction (as bulk_create inside atomic() would).
    savepoint = transaction.atomic(using=using) if connection.in_atomic_block else nullcontext()
    with savepoint, connection.cursor() as cursor:
        cursor.execute(sql, params)
    for group in groups:
        for instance in group:
            instance._state.adding, instance._state.db = False, using


def insert_unless_present(instance: models.Model, *, unique: Sequence[str]) -> bool:
    """INSERT … ON CONFLICT (unique) DO NOTHING RETURNING pk: True (and the pk set) when this call
    inserted the row, False when a row with the same unique values exists. On PostgreSQL a conflicting
    row that another transaction is still inserting makes this wait for that transaction's end, so a
    False always means "committed by someone else"; SQLite serialises writers anyway."""
    meta = instance._meta
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    fields = _insert_fields(meta)
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


def copy_insert(objs: Sequence[models.Model], *, using: str = "default") -> None:
    """Insert many new rows of one model fast: PostgreSQL's COPY (no SQL text to build and parse
    for thousands of parameters), a bulk insert elsewhere. Rows carry their own keys unless the
    key is an auto-increment the database assigns (not read back)."""
    if not objs:
        return
    model = type(objs[0])
    connection = connections[using]
    if connection.vendor != "postgresql":
        model._default_manager.using(using).bulk_create(objs, batch_size=500)
        return
    fields = _insert_fields(model._meta)
    columns = ", ".join(connection.ops.quote_name(column(model, f.name)) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with (
        connection.wrap_database_errors,  # a duplicate key is Django's IntegrityError, as with the ORM
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objs:
            copy.write_row([f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields])


def in_values(field: str, values: Sequence[Any], *, using: str = "default") -> models.Q:
    """``field IN values`` for a long list: one array parameter (``= ANY(%s)``) on PostgreSQL,
    where thousands of placeholders cost more to build and parse than the query itself."""
    if connections[using].vendor == "postgresql":
        return models.Q(**{f"{field}__any": list(values)})
    return models.Q(**{f"{field}__in": list(values)})


@models.Field.register_lookup
class AnyOf(models.Lookup):
    """``field = ANY(array)`` (PostgreSQL); see `in_values`."""

    lookup_name = "any"
    prepare_rhs = False  # a list: each value is prepared below

    def get_db_prep_lookup(self, value: Any, connection: Any) -> Any:
        field = self.lhs.output_field
        return ("%s", [[field.get_db_prep_value(field.get_prep_value(v), connection) for v in value]])

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]
