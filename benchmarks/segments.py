"""Segment counts on PostgreSQL next to hand-written SQL for the same sets.

What is measured
----------------
With ``--contacts`` contacts (default 1,000,000), three purpose assignments each
over ten purposes (about 12 % lapsed, 4 % lapsing within 30 days, 5 % revoked) and
about 30 % of them in one list, four segments are counted:

* ``no valid purpose``        the built-in segment,
* ``has X and in list L``     two rules, all of them,
* ``X expires within 30 d``   one rule,
* ``lacks X, any of (Y, Z)``  a rule and a nested any-group of two rules.

For each: ``segment_contacts(segment).count()`` — what the live count, the listing
and ``gdpr_mail_segment --count`` run — and a hand-written query for the same set
that a PostgreSQL engineer would write, each 2 untimed warm-ups then ``--runs``
timed runs (``time.perf_counter``), interleaved. Both results must be equal (the
script exits 1 otherwise). We print the medians and their ratio; the last line is
the worst ratio. Goal: at most 1.5x, and every query under 1 s.

Seeding: generate_series INSERT … SELECT (``tests/helpers/bulk_seed.py``), then
VACUUM ANALYZE; re-runs find the contacts and skip it. Database: DATABASE_URL
(PostgreSQL only, exit 2 otherwise) or ``gdpr_mail_segments_bench``, created if
missing. Never point it at data you care about.

Run from the repository root::

    python benchmarks/segments.py --contacts 50000
    python benchmarks/segments.py                 # 1,000,000 contacts
    python benchmarks/segments.py --explain       # EXPLAIN ANALYZE of both sides
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from _common import configure_postgres, setup_django  # noqa: E402 - shared helpers

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_segments_bench"
GOAL_RATIO = 1.5
GOAL_SECONDS = 1.0
PURPOSES = 10

VALID = (
    "a.revoked_at IS NULL AND a.valid_from <= %(now)s "
    "AND (a.valid_until IS NULL OR a.valid_until > %(now)s)"
)
#: ``{valid}`` and the table names are filled in by ``str.format``.
HAND_WRITTEN = {
    "no valid purpose": """
        SELECT count(*) FROM {contact} c WHERE c.anonymised_at IS NULL AND NOT EXISTS (
          SELECT 1 FROM {assignment} a WHERE a.contact_id = c.id AND {valid})""",
    "has X and in list L": """
        SELECT count(*) FROM {membership} m JOIN {contact} c ON c.id = m.contact_id
        WHERE m.contact_list_id = %(list)s AND c.anonymised_at IS NULL AND EXISTS (
          SELECT 1 FROM {assignment} a
          WHERE a.contact_id = c.id AND a.purpose_id = %(x)s AND {valid})""",
    "X expires within 30 d": """
        SELECT count(*) FROM {contact} c WHERE c.anonymised_at IS NULL AND c.id IN (
          SELECT a.contact_id FROM {assignment} a
          WHERE a.purpose_id = %(x)s AND {valid} AND a.valid_until <= %(soon)s)""",
    "lacks X, any of (Y, Z)": """
        SELECT count(*) FROM {contact} c WHERE c.anonymised_at IS NULL AND c.id IN (
          SELECT a.contact_id FROM {assignment} a
          WHERE a.purpose_id IN (%(y)s, %(z)s) AND {valid})
        AND NOT EXISTS (SELECT 1 FROM {assignment} a
          WHERE a.contact_id = c.id AND a.purpose_id = %(x)s AND {valid})""",
}


def configure_database() -> str:
    return configure_postgres(DEFAULT_DATABASE_URL, "segments.py")


def fixtures(count: int) -> tuple[list, object, float | None]:
    from django.db import transaction

    from tests.helpers.bulk_seed import analyze, seed_sql
    from wagtail_gdpr_mail.models import Contact, ContactList, LegalBasis, ProcessingPurpose

    consent = LegalBasis.objects.get(code="consent")
    purposes = []
    for n in range(PURPOSES):
        purpose, created = ProcessingPurpose.objects.get_or_create(
            name=f"Segments benchmark {n}",
            defaults={
                "legal_basis": consent,
                "retention_amount": 2,
                "retention_unit": "years",
                "visitor_text": "Benchmark.",
            },
        )
        if created:
            purpose.save_revision(log_action=False)
        purposes.append(purpose)
    contact_list, _ = ContactList.objects.get_or_create(name="Segments benchmark list")
    missing = count - Contact.objects.count()
    if missing <= 0:
        return purposes, contact_list, None
    started = time.perf_counter()
    with transaction.atomic():
        seed_sql(missing, [p.pk for p in purposes], contact_list.pk)
    analyze()
    return purposes, contact_list, time.perf_counter() - started


def segments(purposes, contact_list) -> dict:
    from wagtail_gdpr_mail.models import Segment

    x, y, z = purposes[0].pk, purposes[1].pk, purposes[2].pk
    definitions = {
        "no valid purpose": [{"type": "no_valid_purpose", "value": None}],
        "has X and in list L": [
            {"type": "has_purpose", "value": {"purpose": x}},
            {"type": "in_list", "value": {"contact_list": contact_list.pk}},
        ],
        "X expires within 30 d": [
            {"type": "expires_within", "value": {"purpose": x, "days": 30}},
        ],
        "lacks X, any of (Y, Z)": [
            {"type": "lacks_purpose", "value": {"purpose": x}},
            {
                "type": "group",
                "value": {
                    "match": "any",
                    "rules": [
                        {"type": "has_purpose", "value": {"purpose": y}},
                        {"type": "has_purpose", "value": {"purpose": z}},
                    ],
                },
            },
        ],
    }
    found = {}
    for label, rules in definitions.items():
        segment, _ = Segment.objects.update_or_create(
            name=f"Benchmark: {label}", defaults={"rules": rules, "match": "all"}
        )
        found[label] = Segment.objects.get(pk=segment.pk)
    return found


def timed(call, runs: int) -> tuple[float, object]:
    result = None
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        result = call()
        timings.append(time.perf_counter() - start)
    return statistics.median(timings), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--contacts", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7, help="timed runs per side (7)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE both sides")
    args = parser.parse_args()

    db_name = configure_database()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from wagtail_gdpr_mail.models import Contact, ListMembership, PurposeAssignment
    from wagtail_gdpr_mail.segments.rules import segment_contacts

    call_command("migrate", interactive=False, verbosity=0)
    print(f"database {db_name} on PostgreSQL {connection.pg_version // 10000}")
    purposes, contact_list, seconds = fixtures(args.contacts)
    print("seeding skipped" if seconds is None else f"seeding took {seconds:.1f} s")
    print(
        f"{Contact.objects.count():,} contacts, {PurposeAssignment.objects.count():,} "
        f"assignments, {ListMembership.objects.count():,} list memberships"
    )
    tables = {
        "contact": Contact._meta.db_table,
        "assignment": PurposeAssignment._meta.db_table,
        "membership": ListMembership._meta.db_table,
    }
    now = timezone.now()
    params = {
        "now": now,
        "soon": now + timedelta(days=30),
        "x": purposes[0].pk,
        "y": purposes[1].pk,
        "z": purposes[2].pk,
        "list": contact_list.pk,
    }

    def hand_written(label: str):
        def run():
            with connection.cursor() as cursor:
                cursor.execute(HAND_WRITTEN[label].format(**tables, valid=VALID), params)
                return cursor.fetchone()[0]

        return run

    worst, slowest = 0.0, 0.0
    print(f"\n{args.runs} timed runs per side after 2 warm-ups (medians)")
    for label, segment in segments(purposes, contact_list).items():
        ours = lambda segment=segment: segment_contacts(segment, now=now).count()  # noqa: E731
        theirs = hand_written(label)
        for _ in range(2):
            ours(), theirs()
        ours_s, ours_n = timed(ours, args.runs)
        theirs_s, theirs_n = timed(theirs, args.runs)
        if ours_n != theirs_n:
            raise SystemExit(f"{label}: segment counted {ours_n}, hand-written SQL {theirs_n}")
        ratio = ours_s / theirs_s
        worst, slowest = max(worst, ratio), max(slowest, ours_s, theirs_s)
        print(
            f"{label:<24} {ours_n:>9,} contacts   segment {ours_s * 1000:8.1f} ms   "
            f"hand-written {theirs_s * 1000:8.1f} ms   ratio {ratio:.2f}"
        )
        if args.explain:
            sql, sql_params = (
                segment_contacts(segment, now=now).order_by().values("pk").query.sql_with_params()
            )
            with connection.cursor() as cursor:
                for title, query, query_params in (
                    ("segment", f"SELECT count(*) FROM ({sql}) s", sql_params),  # noqa: S608
                    ("hand-written", HAND_WRITTEN[label].format(**tables, valid=VALID), params),
                ):
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query, query_params)
                    print(f"  --- {title}")
                    for (line,) in cursor.fetchall():
                        print("     ", line)
    print(
        f"\ngoal: ratio at most {GOAL_RATIO} and every query under {GOAL_SECONDS:.0f} s "
        f"(slowest median {slowest * 1000:.0f} ms)"
    )
    print(f"worst ratio segment / hand-written SQL: {worst:.2f}")


if __name__ == "__main__":
    main()
