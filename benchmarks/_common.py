"""What the PostgreSQL benchmarks share: paths, the demo keys, the database, Django.

Imported by the scripts next to it (``python benchmarks/<name>.py`` puts this
folder on ``sys.path``).
"""

from __future__ import annotations

import math
import os
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
for path in (ROOT, ROOT / "example_site"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

# The example site's public demo keys (example_site/settings.py); they are used
# there only with DEBUG on, and the benchmarks run with DEBUG off, so pass them.
DEMO_ENCRYPTION_KEYS = "demo1:ZGVtby1vbmx5LWVuY3J5cHRpb24ta2V5LTMyLWJ5dGU="
DEMO_BLIND_INDEX_KEYS = "demo1:ZGVtby1vbmx5LWJsaW5kLWluZGV4LWtleS0zMmJ5dGU="
DEMO_CHAIN_KEYS = "demo1:ZGVtby1vbmx5LWNvbnNlbnQtY2hhaW4ta2V5LTMyYnk="


def configure_postgres(default_url: str, script: str) -> str:
    """Pick DATABASE_URL, refuse non-PostgreSQL (exit 2), create the default database.

    Returns the database name. Call before Django is set up.
    """
    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    use_default = not url
    if use_default:
        url = default_url
        os.environ["DATABASE_URL"] = url
    config = dj_database_url.parse(url)
    if "postgresql" not in config.get("ENGINE", ""):
        print(
            f"{script}: DATABASE_URL must point at PostgreSQL, got engine "
            f"{config.get('ENGINE')!r}. Unset it to use {default_url}.",
            file=sys.stderr,
        )
        sys.exit(2)
    if use_default:
        create_database_if_missing(config)
    return config["NAME"]


def postgres_database_or_sqlite(default_url: str, prefix: str) -> tuple[str, str | None]:
    """DATABASE_URL if set; else ``default_url`` (created if missing) when PostgreSQL
    answers, else a fresh SQLite file in a temporary directory.

    Returns a description to print and the temporary directory to remove, if any.
    Call before Django is set up.
    """
    import tempfile

    import dj_database_url

    url = os.environ.get("DATABASE_URL")
    if url:
        return f"{dj_database_url.parse(url)['ENGINE']} from DATABASE_URL", None
    config = dj_database_url.parse(default_url)
    try:
        create_database_if_missing(config)
    except Exception as exc:  # noqa: BLE001 - no server, no driver, no rights: fall back
        tmp = tempfile.mkdtemp(prefix=prefix)
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        return (
            f"SQLite, temporary file {tmp}/bench.sqlite3 (PostgreSQL not reachable: "
            f"{type(exc).__name__})",
            tmp,
        )
    os.environ["DATABASE_URL"] = default_url
    return f"PostgreSQL, database {config['NAME']} (default)", None


def create_database_if_missing(config: dict) -> None:
    import psycopg
    from psycopg import sql

    params = {
        "dbname": "postgres",
        "host": config.get("HOST") or "127.0.0.1",
        "port": config.get("PORT") or 5432,
        "user": config.get("USER") or "postgres",
        "connect_timeout": 3,
    }
    if config.get("PASSWORD"):
        params["password"] = config["PASSWORD"]
    # CREATE DATABASE cannot run inside a transaction: autocommit.
    with psycopg.connect(**params, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]
        ).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
            print(f"created database {config['NAME']}")


def setup_django() -> None:
    """The example site's settings, production-like (DEBUG off), with the demo keys."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_site.settings")
    os.environ.setdefault("DJANGO_DEBUG", "0")
    # Production-like, but the test client speaks plain HTTP to a throwaway database.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
    # The benchmarks' admin user signs in with force_login: no second factor to set up.
    os.environ.setdefault("DJANGO_TWO_FACTOR_REQUIRED", "0")
    os.environ.setdefault("WAGTAIL_GDPR_MAIL_ENCRYPTION_KEYS", DEMO_ENCRYPTION_KEYS)
    os.environ.setdefault("WAGTAIL_GDPR_MAIL_BLIND_INDEX_KEYS", DEMO_BLIND_INDEX_KEYS)
    os.environ.setdefault("WAGTAIL_GDPR_MAIL_CHAIN_KEYS", DEMO_CHAIN_KEYS)
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p90 of 15 samples = the 14th smallest)."""
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def bench_purpose(name: str, years: int = 2, visitor_text: str = "Benchmark."):
    """The consent purpose ``name`` (made once, with its first revision), for seeding."""
    from wagtail_gdpr_mail.models import LegalBasis, ProcessingPurpose

    purpose, created = ProcessingPurpose.objects.get_or_create(
        name=name,
        defaults={
            "legal_basis": LegalBasis.objects.get(code="consent"),
            "retention_amount": years,
            "retention_unit": "years",
            "visitor_text": visitor_text,
        },
    )
    if created or purpose.current_revision() is None:
        purpose.save_revision(log_action=False)
    return purpose
