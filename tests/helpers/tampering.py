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
