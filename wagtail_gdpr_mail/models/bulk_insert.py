"""Inserting many rows at once (PostgreSQL: COPY).

Django's ``bulk_create`` sends one placeholder per value; for thousands of rows the
client-side query building costs more than the insert itself. On PostgreSQL these
helpers stream the rows with ``COPY … FROM STDIN`` (psycopg formats them in C),
with the values prepared as ``bulk_create`` prepares them (``pre_save`` — which is
where encrypted fields encrypt — then ``get_db_prep_save``, skipped only for values
that are already what the database takes, see :func:`_plain`). New primary keys
come from the table's sequence first, so they are known without ``RETURNING``.
Elsewhere the helpers call ``bulk_create``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.db import connections, models, router
from django.db.models.expressions import RawSQL

# Field classes whose get_db_prep_save hands a value of the given Python type to
# PostgreSQL unchanged (psycopg adapts it); exact classes only, so encrypted and other
# custom fields always go through their own preparation.
_PLAIN_TYPES: dict[type[models.Field], type] = {
    models.DateTimeField: datetime,
    models.UUIDField: uuid.UUID,
    models.BooleanField: bool,
    models.CharField: str,
    models.TextField: str,
    **dict.fromkeys(
        (
            models.IntegerField,
            models.BigIntegerField,
            models.SmallIntegerField,
            models.PositiveIntegerField,
            models.PositiveBigIntegerField,
            models.PositiveSmallIntegerField,
            models.AutoField,
            models.BigAutoField,
        ),
        int,
    ),
}


def id_set(
    ids: Sequence[Any], model: type[models.Model] | None = None, *, sql_type: str = "bigint"
) -> Any:
    """``ids`` for an ``__in`` filter: on PostgreSQL one array parameter
    (``IN (SELECT unnest(%s))``) instead of one placeholder per id, which costs
    more to build than the query takes for thousands of ids. ``sql_type="text"``
    for text keys (blind indexes)."""
    connection = connections[router.db_for_read(model) if model else "default"]
    if connection.vendor != "postgresql":
        return list(ids)
    if sql_type not in ("bigint", "text"):
        raise ValueError(f"id_set: unsupported sql_type {sql_type!r}")
    return RawSQL(f"SELECT unnest(%s::{sql_type}[])", [list(ids)])  # noqa: S611


def _plain(field: models.Field) -> type | None:
    """The value type ``field`` stores unchanged on PostgreSQL, if any."""
    if type(field) in (models.ForeignKey, models.OneToOneField):
        return _plain(field.target_field)
    return _PLAIN_TYPES.get(type(field))


def _preparer(field: models.Field, connection: Any) -> Callable[[models.Model], Any]:
    plain = _plain(field)
    pre_save, prep = field.pre_save, field.get_db_prep_save
    naive_check = plain is datetime  # naive datetimes get Django's warning and time zone

    def prepare(obj: models.Model) -> Any:
        value = pre_save(obj, True)
        if value is None or (type(value) is plain and not (naive_check and value.tzinfo is None)):
            return value
        return prep(value, connection)

    return prepare


def _copy_rows(
    connection: Any, table: str, fields: Sequence[models.Field], rows: Sequence[Sequence[Any]]
) -> None:
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    # The raw psycopg cursor: its errors are wrapped as Django's (IntegrityError…).
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.cursor.copy(f"COPY {quote(table)} ({columns}) FROM STDIN") as copy:
            write = copy.write_row
            for row in rows:
                write(row)


def _prepared_rows(
    fields: Sequence[models.Field], objs: Sequence[models.Model], connection: Any
) -> list[tuple[Any, ...]]:
    preparers = [_preparer(f, connection) for f in fields]
    return [tuple(prepare(obj) for prepare in preparers) for obj in objs]


# (database alias, table) -> the primary key's sequence. Resolving it inside the
# nextval() query runs the lookup once per row: five times the cost of the query.
_sequences: dict[tuple[str, str], str] = {}


def _new_ids(connection: Any, model: type[models.Model], count: int) -> list[int]:
    """``count`` values of the primary key's sequence, in order."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        sequence = _sequences.get((connection.alias, table))
        if sequence is None:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, model._meta.pk.column])
            sequence = _sequences[connection.alias, table] = cursor.fetchone()[0]
        cursor.execute(
            "SELECT nextval(%s::regclass) FROM generate_series(1, %s)", [sequence, count]
        )
        return sorted(value for (value,) in cursor.fetchall())


def _fields_of(model: type[models.Model], attnames: Sequence[str]) -> list[models.Field]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _prep_columns(
    fields: Sequence[models.Field], rows: Sequence[Sequence[Any]], connection: Any
) -> list[tuple[Any, ...]]:
    """``rows`` with the values of non-plain fields (encrypted ones, JSON…) through
    ``get_db_prep_save``: an encrypted field takes only what it sealed for its row."""
    custom = [i for i, f in enumerate(fields) if _plain(f) is None]
    if not custom:
        return [tuple(row) for row in rows]
    prepared = []
    for row in rows:
        values = list(row)
        for i in custom:
            if values[i] is not None:
                values[i] = fields[i].get_db_prep_save(values[i], connection)
        prepared.append(tuple(values))
    return prepared


def _copy_with_new_ids(
    connection: Any,
    model: type[models.Model],
    fields: Sequence[models.Field],
    rows: Sequence[tuple[Any, ...]],
) -> list[int]:
    ids = _new_ids(connection, model, len(rows))
    _copy_rows(
        connection,
        model._meta.db_table,
        [model._meta.pk, *fields],
        [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)],
    )
    return ids


def insert_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]]
) -> list[int]:
    """Insert ``rows`` (values of the fields ``attnames``, the primary key left out)
    without building model instances; returns the new primary keys in row order.

    Values are what the model would hold, not what ``pre_save`` makes of them: an
    encrypted field takes only a value sealed for its row
    (:meth:`~wagtail_gdpr_mail.crypto.EncryptedField.seal`), defaults are not filled.
    """
    if not rows:
        return []
    connection = connections[router.db_for_write(model)]
    fields = _fields_of(model, attnames)
    if connection.vendor == "postgresql":
        return _copy_with_new_ids(
            connection, model, fields, _prep_columns(fields, rows, connection)
        )
    # Elsewhere Django's own insert, "raw" (the values as given: no pre_save, which
    # would encrypt a sealed value again), each value through get_db_prep_save.
    objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
    manager = model._base_manager
    pk = [model._meta.pk]
    if not connection.features.can_return_rows_from_bulk_insert:
        return [
            manager._insert([obj], fields, returning_fields=pk, raw=True, using=connection.alias)[
                0
            ][0]
            for obj in objs
        ]
    size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    return [
        value
        for start in range(0, len(objs), size)
        for (value,) in manager._insert(
            objs[start : start + size],
            fields,
            returning_fields=pk,
            raw=True,
            using=connection.alias,
        )
    ]


def insert_many(model: type[models.Model], objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert unsaved ``objs`` and set their primary keys (like ``bulk_create``)."""
    if not objs:
        return list(objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=1000)
    pk = model._meta.pk
    fields = [f for f in model._meta.concrete_fields if f is not pk]
    ids = _copy_with_new_ids(connection, model, fields, _prepared_rows(fields, objs, connection))
    for obj, value in zip(objs, ids, strict=True):
        obj.pk = value
        obj._state.adding, obj._state.db = False, alias
    return list(objs)


def upsert_rows(
    model: type[models.Model],
    attnames: Sequence[str],
    rows: Sequence[Sequence[Any]],
    *,
    unique_field: str,
    update_fields: Sequence[str],
) -> None:
    """Insert ``rows`` (values of ``attnames``, as for :func:`insert_rows`), updating
    ``update_fields`` of the rows whose ``unique_field`` exists."""
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows],
            batch_size=1000,
            update_conflicts=True,
            unique_fields=[unique_field],
            update_fields=list(update_fields),
        )
        return
    fields = _fields_of(model, attnames)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    staging_name = f"{model._meta.db_table}_upsert"
    staging = quote(staging_name)
    columns = ", ".join(quote(f.column) for f in fields)
    conflict = quote(model._meta.get_field(unique_field).column)
    updates = ", ".join(
        f"{quote(model._meta.get_field(name).column)} = EXCLUDED."
        f"{quote(model._meta.get_field(name).column)}"
        for name in update_fields
    )
    with connection.cursor() as cursor:
        # A session's staging table, emptied at each commit (and gone with a rollback
        # of the transaction that made it).
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {staging} "
            f"(LIKE {table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS; TRUNCATE {staging}"
        )
    _copy_rows(connection, staging_name, fields, _prep_columns(fields, rows, connection))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}"
        )
