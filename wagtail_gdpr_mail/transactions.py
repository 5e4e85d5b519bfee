"""Write transactions that wait for other writers, on SQLite too."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` that, on SQLite, starts with ``BEGIN IMMEDIATE``.

    A deferred SQLite transaction that has read cannot wait for another writer: its
    first write fails at once with "database is locked". Taking the write lock at
    the start lets SQLite's busy timeout queue concurrent writers (two confirms, a
    double click on a form) instead. Sites may set ``OPTIONS["transaction_mode"]``
    themselves; the app cannot rely on it.
    """
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        with transaction.atomic():
            yield
        return
    connection.ensure_connection()
    mode = connection.transaction_mode
    connection.transaction_mode = "IMMEDIATE" if mode in (None, "DEFERRED") else mode
    try:
        with transaction.atomic():
            connection.transaction_mode = mode
            yield
    finally:
        connection.transaction_mode = mode
