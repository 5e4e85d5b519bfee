"""Bulk assign on PostgreSQL: one purpose to the 100,000 contacts of a segment.

What is measured
----------------
``--contacts`` contacts (default 100,000) seeded with generate_series
(``tests/helpers/bulk_seed.py``: three assignments each over ten other purposes).
Each run creates a new purpose and a dynamic segment "lacks that purpose" (all
the contacts), records a bulk operation (``segments.bulk.create_operation``, which
counts the segment) and works it off with ``segments.bulk.run`` — what the Celery
task runs, in batches of 2,000: per batch one transaction with the segment's next
ids, the assignments (``bulk_create``), a consent record per contact through the
chain writer (``ConsentRecord.objects.append_many``: salted evidence with the
note, keyed hash chain, encrypted evidence, chain heads), the progress row; then
one audit entry. The clock covers create + run. We check that every contact got
exactly one assignment and one consent record, and print contacts per second of
each run and, on the last line, the median. Goal: at least 10,000 per second.

Database: DATABASE_URL (PostgreSQL only, exit 2 otherwise) or
``gdpr_mail_segments_bulk_bench``, created if missing. Never point it at data you
care about.

Run from the repository root::

    python benchmarks/bulk_assign.py
    python benchmarks/bulk_assign.py --runs 3 --profile
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

from _common import bench_purpose, configure_postgres, setup_django  # noqa: E402 - shared helpers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_segments_bulk_bench"
GOAL_PER_SECOND = 10_000.0


def fixtures(count: int) -> float | None:
    from django.db import transaction

    from tests.helpers.bulk_seed import analyze, seed_sql
    from wagtail_gdpr_mail.models import Contact, ContactList

    missing = count - Contact.objects.count()
    if missing <= 0:
        return None
    started = time.perf_counter()
    others = [bench_purpose(f"Bulk benchmark background {n}") for n in range(10)]
    contact_list, _ = ContactList.objects.get_or_create(name="Bulk benchmark list")
    with transaction.atomic():
        seed_sql(missing, [p.pk for p in others], contact_list.pk)
    analyze()
    return time.perf_counter() - started


class StatementTimes:
    """Time spent per SQL statement (by its first words), for ``--sql``."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.calls: dict[str, int] = {}

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:6])[:90]
            self.seconds[key] = self.seconds.get(key, 0.0) + time.perf_counter() - started
            self.calls[key] = self.calls.get(key, 0) + 1

    def report(self) -> None:
        for key, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:12]:
            print(f"{seconds:7.3f} s {self.calls[key]:6d}x  {key}")


def one_run(run: int, show_profile: bool, show_sql: bool = False) -> float:
    from wagtail_gdpr_mail.models import (
        ConsentRecord,
        Contact,
        PurposeAssignment,
        Segment,
    )
    from wagtail_gdpr_mail.segments import bulk

    purpose = bench_purpose(f"Bulk benchmark purpose {time.time_ns()}-{run}")
    segment = Segment.objects.create(
        name=f"Bulk benchmark lacks {purpose.pk}",
        rules=[{"type": "lacks_purpose", "value": {"purpose": purpose.pk}}],
    )
    segment = Segment.objects.get(pk=segment.pk)
    expected = Contact.objects.count()

    def work():
        operation = bulk.create_operation(
            kind="assign", purpose=purpose, segment=segment, note="Benchmark: paper forms"
        )
        bulk.run(operation.pk)
        return operation

    from contextlib import nullcontext

    from django.db import connection

    profiler = cProfile.Profile() if show_profile else None
    statements = StatementTimes() if show_sql else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    with connection.execute_wrapper(statements) if statements else nullcontext():
        operation = work()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    operation.refresh_from_db()
    assigned = PurposeAssignment.objects.filter(purpose=purpose).count()
    records = ConsentRecord.objects.filter(purpose=purpose).count()
    if not (operation.changed == assigned == records == expected):
        raise SystemExit(
            f"run {run}: {operation.changed} changed, {assigned} assignments, "
            f"{records} records for {expected} contacts"
        )
    if profiler:
        pstats.Stats(profiler).sort_stats(os.environ.get("PROFILE_SORT", "cumulative")).print_stats(
            25
        )
    if statements:
        statements.report()
    rate = expected / seconds
    print(f"run {run}: {expected:,} contacts in {seconds:.2f} s = {rate:,.0f} contacts/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile of each run")
    parser.add_argument("--sql", action="store_true", help="time per SQL statement")
    args = parser.parse_args()

    db_name = configure_postgres(DEFAULT_DATABASE_URL, "bulk_assign.py")
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    print(f"database {db_name} on PostgreSQL {connection.pg_version // 10000}")
    seconds = fixtures(args.contacts)
    print("seeding skipped" if seconds is None else f"seeding took {seconds:.1f} s")
    rates = [one_run(run, args.profile, args.sql) for run in range(1, args.runs + 1)]
    print(f"\ngoal: at least {GOAL_PER_SECOND:,.0f} contacts per second")
    print(f"median contacts per second: {statistics.median(rates):,.0f}")


if __name__ == "__main__":
    main()
