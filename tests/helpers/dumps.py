"""The test database as an attacker with a copy of it would read it."""

from __future__ import annotations

import os
import sqlite3
import subprocess

from django.db import connection


def sqlite_dump() -> str:
    """Everything in the (SQLite) test database, as SQL text."""
    connection.ensure_connection()
    return "\n".join(connection.connection.iterdump())


def sqlite_file_bytes(folder) -> bytes:
    """The (in-memory) SQLite test database written to a file, byte for byte."""
    connection.ensure_connection()
    path = folder / "copy.sqlite3"
    copy = sqlite3.connect(path)
    connection.connection.backup(copy)
    copy.close()
    return path.read_bytes()


def pg_dump() -> str:
    """``pg_dump --data-only`` of the (PostgreSQL) test database, as text."""
    settings_dict = connection.settings_dict
    result = subprocess.run(
        [
            "pg_dump",
            "--data-only",
            "-h",
            settings_dict.get("HOST") or "127.0.0.1",
            "-p",
            str(settings_dict.get("PORT") or 5432),
            "-U",
            settings_dict.get("USER") or "postgres",
            settings_dict["NAME"],
        ],
        env={**os.environ, "PGPASSWORD": settings_dict.get("PASSWORD") or ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout
