"""Double clicks on renew and object links on SQLite (the demo's database) give no 500
and act once; two expiry runs at once write each record once (see
``sqlite_file_lifecycle_races.py``)."""

from __future__ import annotations

import pytest

from tests.helpers.races import run_against_sqlite_file


@pytest.mark.sqlite
def test_lifecycle_races_on_a_sqlite_file_act_once_without_a_500(tmp_path):
    result = run_against_sqlite_file(tmp_path, "tests/consent/sqlite_file_lifecycle_races.py")
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert "3 passed" in result.stdout, result.stdout[-3000:]
