"""Damage a stored value as someone with write access to the database would."""

from __future__ import annotations

from django.db import connection


def corrupt(model, pk, column: str) -> str:
    """Change one character of ``column`` in the row ``pk`` of ``model``; returns the old value."""
    table = connection.ops.quote_name(model._meta.db_table)
    quoted = connection.ops.quote_name(column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE id = %s", [pk])  # noqa: S608
        stored = cursor.fetchone()[0]
        middle = len(stored) // 2 + 4
        changed = stored[:middle] + ("A" if stored[middle] != "A" else "B") + stored[middle + 1 :]
        cursor.execute(
            f"UPDATE {table} SET {quoted} = %s WHERE id = %s",  # noqa: S608
            [changed, pk],
        )
    return stored


def raw_value(model, pk, column: str):
    """What the database holds in ``column`` of the row ``pk``, as SQL returns it."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {connection.ops.quote_name(column)} FROM {table} WHERE id = %s",  # noqa: S608
            [pk],
        )
        return cursor.fetchone()[0]


def set_raw_value(model, pk, column: str, value) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [value, pk],
        )


def copy_between_rows(model, column: str, source_pk, target_pk) -> None:
    """Copy the stored ``column`` of row ``source_pk`` over that of row ``target_pk``."""
    set_raw_value(model, target_pk, column, raw_value(model, source_pk, column))


def swap_between_rows(model, columns: list[str], first_pk, second_pk) -> None:
    """Exchange the stored ``columns`` of two rows (unique columns too, via NULL)."""
    first = {c: raw_value(model, first_pk, c) for c in columns}
    second = {c: raw_value(model, second_pk, c) for c in columns}
    for column in columns:
        set_raw_value(model, first_pk, column, None)
        set_raw_value(model, second_pk, column, first[column])
        set_raw_value(model, first_pk, column, second[column])
