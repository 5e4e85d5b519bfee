"""Real services a test may need: skip where missing, fail in CI."""

from __future__ import annotations

import os
import shutil

import pytest
from django.db import connection

IN_CI = bool(os.environ.get("CI"))
CHROMIUM = "/usr/bin/chromium"


def need(available: bool, what: str) -> None:
    """Skip (or, in CI, fail) when a real service the test needs is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but is not available.")
    pytest.skip(f"{what} is not available on this machine.")


def database_is_postgres() -> bool:
    return connection.vendor == "postgresql"


def database_url() -> str:
    """The URL of the test database, for processes a test starts (workers, web servers)."""
    from urllib.parse import quote

    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgres://{db.get('USER') or 'postgres'}{password}@{host}:{port}/{db['NAME']}"


def rabbitmq_available(url: str) -> bool:
    try:
        from kombu import Connection

        with Connection(url, connect_timeout=2) as conn:
            conn.ensure_connection(max_retries=0)
        return True
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False


def chromium_available() -> bool:
    return shutil.which(CHROMIUM) is not None or os.path.exists(CHROMIUM)


def redis_available(url: str = "redis://127.0.0.1:6379/0") -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return False
