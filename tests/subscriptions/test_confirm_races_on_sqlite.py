"""Concurrent confirms on SQLite (the demo's database) give no 500.

Two presses of one link, or of two links of one address, at the same moment: on a
SQLite file the second writer used to get ``database is locked`` and a traceback.
Each visitor now sees "confirmed", "already confirmed" or a "try again" page (503),
and the subscription is confirmed exactly once.
"""

from __future__ import annotations

import pytest

from tests.helpers.races import run_against_sqlite_file


@pytest.mark.sqlite
def test_confirm_races_on_a_sqlite_file_answer_without_a_500(tmp_path):
    result = run_against_sqlite_file(tmp_path, "tests/subscriptions/sqlite_file_races.py")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "4 passed" in result.stdout, result.stdout[-3000:]
