"""Writes that a locked SQLite file must not turn into an error page.

SQLite locks the whole file for a writer. A deferred transaction that has read
cannot wait for another writer: its first write fails at once with "database is
locked". :func:`write_transaction` takes the write lock at the start instead (so
SQLite's busy timeout queues concurrent writers), and :func:`retry_when_locked`
tries a few times more before answering "busy". On other databases both are plain
``transaction.atomic()`` and one call.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.db import OperationalError, connection, transaction

T = TypeVar("T")

#: Pauses (in seconds, before jitter) between tries of a write that found the database
#: locked; after the last try the caller answers "busy" (HTTP 503), never a traceback.
LOCKED_RETRY_DELAYS = (0.05, 0.15, 0.4)


def database_is_locked(exc: OperationalError) -> bool:
    """SQLite's "database is locked" / "database table is locked"; nothing else."""
    return connection.vendor == "sqlite" and "is locked" in str(exc)


@contextmanager
def write_transaction() -> Iterator[None]:
    """``transaction.atomic()`` that, on SQLite, starts with ``BEGIN IMMEDIATE``.

    Sites may set ``OPTIONS["transaction_mode"]`` themselves; the app cannot rely on it.
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


def retry_when_locked(attempt: Callable[[], T], busy: T) -> T:
    """``attempt()``, tried again while SQLite reports the database locked; ``busy`` after
    the last try."""
    for delay in (*LOCKED_RETRY_DELAYS, None):
        try:
            return attempt()
        except OperationalError as exc:
            if not database_is_locked(exc):
                raise
        if delay is not None:
            time.sleep(delay * random.uniform(1, 2))  # noqa: S311 - jitter, not a secret
    return busy
