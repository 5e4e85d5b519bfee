"""Inserting many rows in one statement of a few array parameters (PostgreSQL).

Django's ``bulk_create`` sends one placeholder per value; for thousands of rows the
client-side query building costs more than the insert itself. On PostgreSQL these
helpers send one array per column (``INSERT … SELECT * FROM unnest(…)``), with the
values prepared exactly as ``bulk_create`` prepares them (``pre_save`` — which is
where encrypted fields encrypt — then ``get_db_prep_save``). Elsewhere they call
``bulk_create``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models.expressions import RawSQL


def id_set(ids: Sequence[int], model: type[models.Model] | None = None) -> Any:
    """``ids`` for an ``__in`` filter: on PostgreSQL one array parameter
    (``IN (SELECT unnest(%s))``) instead of one placeholder per id, which costs
    more to build than the query takes for thousands of ids."""
    connection = connections[router.db_for_read(model) if model else "default"]
    if connection.vendor != "postgresql":
        return list(ids)
    return RawSQL("SELECT unnest(%s::bigint[])", [list(ids)])


def _columns(model: type[models.Model], objs: Sequence[models.Model], connection: Any):
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    arrays = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objs]
        for field in fields
    ]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    casts = ", ".join(f"%s::{f.db_type(connection)}[]" for f in fields)
    return fields, columns, casts, arrays


def insert_many(model: type[models.Model], objs: Sequence[models.Model]) -> list[models.Model]:
    """Insert unsaved ``objs`` and set their primary keys (like ``bulk_create``)."""
    if not objs:
        return list(objs)
    alias = router.db_for_write(model)
    connection = connections[alias]
    if connection.vendor != "postgresql":
        return model.objects.bulk_create(objs, batch_size=1000)
    _fields, columns, casts, arrays = _columns(model, objs, connection)
    table = connection.ops.quote_name(model._meta.db_table)
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) "  # noqa: S608
            f"RETURNING {pk}",
            arrays,
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = value
            obj._state.adding, obj._state.db = False, alias
    return list(objs)


def upsert_many(
    model: type[models.Model],
    objs: Sequence[models.Model],
    *,
    unique_field: str,
    update_fields: Sequence[str],
) -> None:
    """Insert ``objs``, updating ``update_fields`` of rows whose ``unique_field`` exists."""
    if not objs:
        return
    connection = connections[router.db_for_write(model)]
    if connection.vendor != "postgresql":
        model.objects.bulk_create(
            objs,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=[unique_field],
            update_fields=list(update_fields),
        )
        return
    _fields, columns, casts, arrays = _columns(model, objs, connection)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    conflict = quote(model._meta.get_field(unique_field).column)
    updates = ", ".join(
        f"{quote(model._meta.get_field(name).column)} = EXCLUDED."
        f"{quote(model._meta.get_field(name).column)}"
        for name in update_fields
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT * FROM unnest({casts}) "  # noqa: S608
            f"ON CONFLICT ({conflict}) DO UPDATE SET {updates}",
            arrays,
        )
