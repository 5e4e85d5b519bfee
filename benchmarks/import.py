"""Contact import on PostgreSQL: our engine next to django-import-export and COPY.

What is measured
----------------
A CSV file of ``--rows`` rows (default 100,000: e-mail, first name, last name and
a custom field "city") is written to a temporary directory. Then, on the same
database and the same rows (each contender gets its own addresses so that none
finds the other's contacts):

- **ours**: ``importing.run.create_job`` + the real run (``run.run``), as the
  Celery task runs it: streaming the file in batches of ``IMPORT_BATCH_SIZE``,
  each batch one transaction with the blind index, dedupe against the file and
  the database, the suppression check, the encrypted contacts (COPY), two purposes
  assigned with a consent record each through the chain writer, the per-row report
  and the resume cursor; then one audit entry. Run in a child process, so that its
  peak memory (``ru_maxrss``) is its own. We check that every row became one
  contact with two assignments and two consent records.
- **django-import-export** (``pip install -e .[bench]``): a ``ModelResource`` for
  the same encrypted ``Contact`` model in bulk mode (``use_bulk``, ``batch_size``
  1,000, ``skip_diff``), the blind index set per row (``Contact.save()`` would, and
  ``bulk_create`` skips it), no per-row lookup of an existing contact (favourable to
  it: ours looks every row up), no purposes and no consent records (it has none).
  ``--die-rows`` caps its rows (default: all); the rate is per row either way.
- **COPY**: the same rows as plain text into an unlogged table of four text
  columns: the physical limit of getting the rows into PostgreSQL at all.

Printed: rows per second of each (wall clock, and per CPU second of the Python
process, which says more on a loaded machine), our peak memory (RSS of the child, and its growth
over the baseline after Django's start) and, on the last line, our ratio to
django-import-export. Goals: at least 20,000 rows/s with encryption and consent
records, at least 25x django-import-export, and peak memory at 1,000,000 rows
within 1.2x of that at 100,000 (run once with ``--rows 1000000``).

Database: DATABASE_URL (PostgreSQL only, exit 2 otherwise) or
``gdpr_mail_import_bench``, created if missing. Never point it at data you care about.

Run from the repository root::

    python benchmarks/import.py
    python benchmarks/import.py --rows 1000000 --die-rows 100000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import bench_purpose, configure_postgres, setup_django  # noqa: E402 - shared helpers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_import_bench"
GOAL_PER_SECOND = 20_000.0
GOAL_RATIO = 25.0
HEADERS = ["Email Address", "First Name", "Last Name", "City"]


def write_csv(path: Path, rows: int, prefix: str) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(rows):
            writer.writerow([f"{prefix}{n}@example.cz", f"Jana{n % 97}", "Nováková", "Brno"])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def purposes():

    return [bench_purpose(n) for n in ("Import benchmark newsletter", "Import benchmark offers")]


def ours_worker(path: Path, rows: int) -> None:
    """In the child process: our import of ``path``; prints one JSON line."""
    from wagtail_gdpr_mail.importing import run
    from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment

    baseline = peak_rss_mb()
    chosen = purposes()
    before = (
        Contact.objects.count(),
        PurposeAssignment.objects.count(),
        ConsentRecord.objects.count(),
    )
    started, cpu_started = time.perf_counter(), time.process_time()
    with path.open("rb") as handle:
        job = run.create_job(iter(lambda: handle.read(1 << 20), b""))
    job.mapping = {"email": 0, "first_name": 1, "last_name": 2, "custom": {"city": 3}}
    job.purposes = [{"purpose_id": p.pk, "mode": "assign", "valid_from": "now"} for p in chosen]
    job.note = "Benchmark: the shop's customer export"
    job.save()
    job = run.run(job.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    after = (
        Contact.objects.count(),
        PurposeAssignment.objects.count(),
        ConsentRecord.objects.count(),
    )
    grown = tuple(b - a for a, b in zip(before, after, strict=True))
    if grown != (rows, 2 * rows, 2 * rows) or job.created != rows:
        raise SystemExit(f"ours: expected {rows} contacts, 2x assignments and records; {grown}")
    peak = peak_rss_mb()
    print(json.dumps({"seconds": seconds, "cpu": cpu, "peak": peak, "growth": peak - baseline}))


def run_ours(path: Path, rows: int) -> dict:
    env = {**os.environ}
    out = subprocess.run(
        [sys.executable, __file__, "--worker", str(path), "--rows", str(rows)],
        check=True,
        capture_output=True,
        text=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def run_die(path: Path, rows: int) -> tuple[float, float]:
    """django-import-export's bulk import of the same rows into the same model."""
    import tablib
    from import_export import fields, resources, widgets

    from wagtail_gdpr_mail.crypto import email_blind_index
    from wagtail_gdpr_mail.models import Contact

    class CityWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return {"city": value} if value else {}

    class ContactResource(resources.ModelResource):
        email = fields.Field(attribute="email", column_name="Email Address")
        first_name = fields.Field(attribute="first_name", column_name="First Name")
        last_name = fields.Field(attribute="last_name", column_name="Last Name")
        custom_fields = fields.Field(
            attribute="custom_fields", column_name="City", widget=CityWidget()
        )

        class Meta:
            model = Contact
            fields = ("email", "first_name", "last_name", "custom_fields")
            use_bulk = True
            batch_size = 1000
            skip_diff = True
            use_transactions = True

        def get_instance(self, instance_loader, row):
            return None  # insert only: no per-row lookup

        def before_save_instance(self, instance, row, **kwargs):
            instance.email_index = email_blind_index(instance.email)
            instance.source = "import"

    with path.open(encoding="utf-8") as handle:
        lines = [next(handle) for _ in range(rows + 1)]
    started, cpu_started = time.perf_counter(), time.process_time()
    dataset = tablib.Dataset().load("".join(lines), format="csv")
    result = ContactResource().import_data(dataset, raise_errors=True)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if result.has_errors() or result.totals.get("new") != rows:
        raise SystemExit(f"django-import-export: {result.totals}")
    return seconds, cpu


def run_copy(path: Path) -> float:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE UNLOGGED TABLE IF NOT EXISTS import_bench_plain "
            "(email text, first_name text, last_name text, city text)"
        )
        cursor.execute("TRUNCATE import_bench_plain")
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        sql = "COPY import_bench_plain FROM STDIN WITH (FORMAT csv, HEADER true)"
        with cursor.cursor.copy(sql) as copy, path.open("rb") as handle:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--die-rows", type=int, default=None, help="rows for import-export")
    parser.add_argument("--skip-die", action="store_true", help="leave django-import-export out")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()

    db_name = configure_postgres(DEFAULT_DATABASE_URL, "import.py")
    setup_django()
    if args.worker:
        ours_worker(Path(args.worker), args.rows)
        return

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    purposes()
    print(f"database {db_name} on PostgreSQL {connection.pg_version // 10000}")
    tag = f"{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="gdpr-mail-import-bench-") as tmp:
        ours_file = Path(tmp) / "ours.csv"
        write_csv(ours_file, args.rows, f"ours{tag}-")
        ours = run_ours(ours_file, args.rows)
        ours_rate = args.rows / ours["seconds"]
        print(
            f"ours: {args.rows:,} rows in {ours['seconds']:.2f} s = {ours_rate:,.0f} rows/s "
            "(encrypted contacts, 2 purposes, 2 consent records per row); "
            f"{args.rows / ours['cpu']:,.0f} rows per CPU second of the Python process"
        )
        print(
            f"ours: peak memory {ours['peak']:.0f} MB RSS, "
            f"{ours['growth']:.0f} MB over the process's start at {args.rows:,} rows"
        )
        copy_file = Path(tmp) / "copy.csv"
        write_csv(copy_file, args.rows, f"copy{tag}-")
        copy_seconds = run_copy(copy_file)
        copy_rate = args.rows / copy_seconds
        print(f"COPY as plain text: {copy_rate:,.0f} rows/s (the physical limit)")
        print(f"ours / COPY: {ours_rate / copy_rate:.4f} (COPY is {copy_rate / ours_rate:,.0f}x)")
        if args.skip_die:
            return
        die_rows = min(args.die_rows or args.rows, args.rows)
        die_file = Path(tmp) / "die.csv"
        write_csv(die_file, die_rows, f"die{tag}-")
        die_seconds, die_cpu = run_die(die_file, die_rows)
        die_rate = die_rows / die_seconds
        print(
            f"django-import-export: {die_rows:,} rows in {die_seconds:.2f} s = "
            f"{die_rate:,.0f} rows/s (bulk, encrypted contacts only, no consent records); "
            f"{die_rows / die_cpu:,.0f} rows per CPU second"
        )
    print(f"\ngoals: at least {GOAL_PER_SECOND:,.0f} rows/s and {GOAL_RATIO:.0f}x")
    print(f"ratio (ours / django-import-export): {ours_rate / die_rate:.2f}")


if __name__ == "__main__":
    main()
