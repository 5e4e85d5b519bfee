"""Requests released at the same moment from several threads, and SQLite as a file.

SQLite only shows its locking when two connections share a database *file*: the
test project's in-memory database cannot. ``run_against_sqlite_file`` runs test
files in a fresh pytest whose database is a temporary file
(``tests.helpers.sqlite_file_settings``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQLITE_FILE_ENV = "GDPR_MAIL_TEST_SQLITE_FILE"


def race(count: int, request) -> list:
    """Run ``request(i)`` in ``count`` threads released at the same moment; each
    result is the return value or the exception raised."""
    from django.db import connections

    barrier = threading.Barrier(count)
    results: list = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = request(index)
        except Exception as exc:  # noqa: BLE001 - reported by the caller's assertions
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def run_against_sqlite_file(tmp_path: Path, *test_files: str) -> subprocess.CompletedProcess:
    """Run ``test_files`` (paths from the repository root) in a pytest of their own on
    a SQLite database file under ``tmp_path``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS"}
    }
    env[SQLITE_FILE_ENV] = str(tmp_path / "race.sqlite3")
    return subprocess.run(  # noqa: S603 - our own interpreter and test files
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--ds=tests.helpers.sqlite_file_settings",
            *test_files,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
