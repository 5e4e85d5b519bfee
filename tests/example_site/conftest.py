"""The example site, set up once per test run in its own SQLite database, as ``make demo`` does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
MANAGE = ROOT / "example_site" / "manage.py"


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """``manage`` runs a command of the example site; ``probe()`` browses it."""
    folder = tmp_path_factory.mktemp("example-site")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL", "CELERY_BROKER_URL"}
        and not key.startswith(("WAGTAIL_GDPR_MAIL_", "DJANGO_", "ANYMAIL_"))
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'demo.sqlite3'}",
        DEMO_ADMIN_PASSWORD="demo-password",
        DJANGO_DEBUG="1",  # as `make demo` runs it
        EMAIL_FILE_PATH=str(folder / "outbox"),
    )

    def manage(*args: str) -> str:
        result = subprocess.run(
            [sys.executable, str(MANAGE), *args],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, f"manage.py {' '.join(args)}:\n{result.stderr[-4000:]}"
        return result.stdout

    def probe() -> dict:
        result = subprocess.run(
            [sys.executable, str(Path(__file__).with_name("probe.py"))],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        return json.loads(result.stdout)

    manage("migrate", "--noinput")
    return SimpleNamespace(manage=manage, probe=probe, env=env, folder=folder)
