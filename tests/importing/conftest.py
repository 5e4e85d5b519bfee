"""Import fixtures: files written on the fly, a private import directory per test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def import_dir(tmp_path, settings):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def write_file(tmp_path):
    counter = iter(range(1000))

    def write(content: str | bytes, *, encoding: str = "utf-8", suffix: str = ".csv"):
        path = tmp_path / f"file{next(counter)}{suffix}"
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return write
