"""Render time of the Wagtail admin contact listing with 100,000 (``--contacts``) contacts.

What is measured
----------------
The full request/response cycle of ``/admin/snippets/wagtail_gdpr_mail/contact/``
through ``django.test.Client`` (middleware, session, permission checks, the
queries, decrypting the 25 rows of a page, template rendering), as a logged-in
superuser, for five cases:

* ``page 1``           the default listing (newest first),
* ``page N/2``         the middle page (25 per page): the longest walk from either end,
* ``page N``           the last page,
* ``no purpose``       the filter ``?purpose_status=none`` (NOT EXISTS subquery),
* ``search e-mail``    ``?search=<id>`` after posting an existing address to the
  search view (blind-index equality look-up; the address is never in a URL).

Each case: 2 untimed warm-up renders, then N=15 timed renders
(``time.perf_counter``); we report the median and p90 in ms. One extra, untimed
render per case runs under ``CaptureQueriesContext`` to count SQL queries (an
N+1 problem shows up as a count that grows with the page size) and to show the
slowest ones. Queries are counted on a separate render because capturing adds
overhead of its own.

The goal from the issue: a median under 300 ms for each case on this 2-core
machine, with 1,000,000 contacts. The last line prints ``median ms / 300 ms goal
(slowest, <case>): X.XX`` for the slowest case.

Database
--------
``DATABASE_URL`` from the environment, which must point at PostgreSQL (the
script refuses anything else with exit status 2: SQLite numbers would say
nothing about the production planner). Unset, it defaults to
``postgres://postgres@127.0.0.1:5432/gdpr_mail_bench``, creating that database
with psycopg if missing. Migrations are then applied with ``call_command``.

Seeding (once): if fewer than ``--contacts`` contacts exist (100,000 unless
given), the missing ones are created -- real encryption through the model fields
(``insert_many``, COPY, calls ``pre_save``), ``email_index`` set by hand because
it skips ``Contact.save`` -- in batches of 5,000, one transaction each, plus a list with
~half of them as members, two purposes and assignments for ~60% (some expired).
Re-runs find the count and skip seeding. Never point DATABASE_URL at a database
whose data you care about: the script writes to it.

The site runs with ``DJANGO_DEBUG=0`` unless set otherwise (production-like
template and query-logging behaviour); the public demo keys of the example site
are passed explicitly because the settings only fall back to them with DEBUG on.

Run from the repository root with the venv active::

    python benchmarks/admin_listing.py
    python benchmarks/admin_listing.py --runs 30 --show-sql
    python benchmarks/admin_listing.py --contacts 1000000   # seeding takes ~7 minutes
    python benchmarks/admin_listing.py --explain     # EXPLAIN ANALYZE of the slowest queries
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from _common import (  # noqa: E402 - the folder's shared helpers
    bench_purpose,
    configure_postgres,
    percentile,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_bench"
TARGET_CONTACTS = 100_000
SPREAD_SECONDS = 3 * 365 * 24 * 3600  # created_at spread over ~3 years
PAGE_SIZE = 25  # the listing's page size
BATCH_SIZE = 5_000
GOAL_MS = 300.0
LISTING_URL = "/admin/snippets/wagtail_gdpr_mail/contact/"
BENCH_USER = "bench-admin"


def bench_email(i: int) -> str:
    return f"bench.contact.{i}@example.org"


# --- Database selection and creation (before Django is set up) ------------------


def configure_database() -> str:
    return configure_postgres(DEFAULT_DATABASE_URL, "admin_listing.py")


# --- Seeding ---------------------------------------------------------------------


def seed(target: int) -> float | None:
    """Create contacts up to ``target``; returns the seconds taken, or None if skipped."""
    from django.db import connection, transaction
    from django.utils import timezone

    from wagtail_gdpr_mail.crypto import email_blind_index
    from wagtail_gdpr_mail.models import (
        Contact,
        ContactList,
        ContactSource,
        ListMembership,
        PurposeAssignment,
    )
    from wagtail_gdpr_mail.models.bulk_insert import insert_many

    existing = Contact.objects.count()
    if existing >= target:
        return None

    started = time.perf_counter()
    rng = random.Random(20240501)  # deterministic data set
    now = timezone.now()
    first_names = ["Jana", "Petr", "Zoë", "Łukasz", "Anna", "Jiří", "Marie", "Tomáš"]
    last_names = ["Nováková", "Svoboda", "Dvořák", "Černá", "Müller", "O'Brien"]
    sources = [s.value for s in ContactSource]

    with transaction.atomic():
        newsletter = bench_purpose("Benchmark newsletter", 2, "Send me the newsletter.")
        offers = bench_purpose("Benchmark partner offers", 1, "Send me partner offers.")
        bench_list, _ = ContactList.objects.get_or_create(name="Benchmark list")

    for batch_start in range(existing, target, BATCH_SIZE):
        # One transaction per batch: an interrupted seed keeps what it made.
        with transaction.atomic():
            batch_end = min(batch_start + BATCH_SIZE, target)
            contacts = []
            for i in range(batch_start, batch_end):
                email = bench_email(i)
                contact = Contact(
                    email=email,
                    first_name=first_names[i % len(first_names)],
                    last_name=last_names[i % len(last_names)],
                    custom_fields={"company": f"Firma {i % 97}", "seq": i},
                    source=sources[i % len(sources)],
                    # Spread over ~3 years so the "newest first" order is realistic;
                    # higher i = newer, the microseconds keep it unique.
                    created_at=now
                    - timedelta(seconds=(target - i) * SPREAD_SECONDS // target, microseconds=i),
                )
                # bulk_create skips Contact.save(), which normally sets the index.
                contact.email_index = email_blind_index(email)
                contacts.append(contact)
            # Encryption happens here, in get_prep_value of the encrypted fields.
            created = insert_many(Contact, contacts)

            memberships, assignments = [], []
            for contact in created:
                if rng.random() < 0.5:
                    memberships.append(
                        ListMembership(contact_id=contact.pk, contact_list=bench_list)
                    )
                roll = rng.random()
                if roll < 0.6:
                    # ~60% hold a purpose; a tenth of those have lapsed already.
                    expired = rng.random() < 0.1
                    purposes = [newsletter] if roll < 0.45 else [newsletter, offers]
                    for purpose in purposes:
                        assignments.append(
                            PurposeAssignment(
                                contact_id=contact.pk,
                                purpose=purpose,
                                valid_from=now - timedelta(days=365),
                                valid_until=(
                                    now - timedelta(days=rng.randint(1, 60))
                                    if expired
                                    else now + timedelta(days=730)
                                ),
                                source=contact.source,
                            )
                        )
            insert_many(ListMembership, memberships)
            insert_many(PurposeAssignment, assignments)
            print(f"  seeded {batch_end:>7,} / {target:,}", flush=True)

    # Fresh planner statistics, as autovacuum would give a long-lived database.
    with connection.cursor() as cursor:
        for table in (
            Contact._meta.db_table,
            ListMembership._meta.db_table,
            PurposeAssignment._meta.db_table,
        ):
            cursor.execute(f'VACUUM ANALYZE "{table}"')
    return time.perf_counter() - started


def bench_superuser():
    from django.contrib.auth import get_user_model

    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=BENCH_USER,
        defaults={"is_superuser": True, "is_staff": True, "email": "bench@example.org"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    return user


# --- Measuring -------------------------------------------------------------------


def measure(client, label: str, params: dict, runs: int, show_sql: bool) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def get():
        response = client.get(LISTING_URL, params)
        if response.status_code != 200:
            raise SystemExit(f"{label}: HTTP {response.status_code} for {LISTING_URL} {params}")
        return response

    for _ in range(2):  # warm-ups: template loading, caches, PostgreSQL buffers
        response = get()

    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        get()
        timings.append((time.perf_counter() - start) * 1000)

    with CaptureQueriesContext(connection) as captured:
        response = get()
    queries = captured.captured_queries
    rows = response.content.count(b'id="snippet_')  # one title id per listed contact
    result = {
        "label": label,
        "median": statistics.median(timings),
        "p90": percentile(timings, 0.9),
        "queries": len(queries),
        "rows": rows,
        "slowest": sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:3],
    }
    print(
        f"{label:<15} median {result['median']:8.1f} ms   p90 {result['p90']:8.1f} ms   "
        f"{result['queries']:3d} SQL queries   {rows:3d} rows"
    )
    if show_sql:
        for q in result["slowest"]:
            print(f"      {float(q['time']) * 1000:7.1f} ms  {q['sql'][:300]}")
    return result


def explain(results: list[dict]) -> None:
    """EXPLAIN ANALYZE of each case's slowest query (read-only SELECTs only)."""
    from django.db import connection

    for result in results:
        query = result["slowest"][0]["sql"] if result["slowest"] else ""
        if not query.lstrip().upper().startswith("SELECT"):
            continue
        print(f"\n--- EXPLAIN ANALYZE, slowest query of '{result['label']}' ---")
        print(query[:600])
        with connection.cursor() as cursor:
            # The captured SQL has its parameters interpolated by psycopg already.
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query)
            for (line,) in cursor.fetchall():
                print("   ", line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--contacts",
        type=int,
        default=TARGET_CONTACTS,
        help=f"contacts to seed up to (default {TARGET_CONTACTS:,})",
    )
    parser.add_argument("--runs", type=int, default=15, help="timed renders per case (15)")
    parser.add_argument(
        "--show-sql", action="store_true", help="print the 3 slowest queries per case"
    )
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN ANALYZE each case's slowest query"
    )
    args = parser.parse_args()

    db_name = configure_database()
    setup_django()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from wagtail_gdpr_mail.models import Contact, PurposeAssignment

    call_command("migrate", interactive=False, verbosity=0)

    print(f"database {db_name} on PostgreSQL {connection.pg_version // 10000}")
    seconds = seed(args.contacts)
    if seconds is None:
        print(f"seeding skipped: {Contact.objects.count():,} contacts already there")
    else:
        print(f"seeding took {seconds:.1f} s")
    print(
        f"{Contact.objects.count():,} contacts, "
        f"{PurposeAssignment.objects.count():,} purpose assignments, "
        f"{Contact.objects.without_any_valid_purpose().count():,} without a valid purpose"
    )

    client = Client()
    client.force_login(bench_superuser())
    # An address that exists (a contact from the middle of the set, far from page 1),
    # typed the way a person would; the view normalises it before the blind index.
    total = Contact.objects.count()
    existing_email = bench_email(min(args.contacts, total) // 2)
    # The search posts the address (never in a URL) and lists by an opaque id.
    searched = client.post(
        reverse("wagtailsnippets_wagtail_gdpr_mail_contact:search"),
        {"email": existing_email.upper()},
    )
    search_id = parse_qs(urlsplit(searched["Location"]).query)["search"][0]
    last_page = max(1, -(-total // PAGE_SIZE))  # the deepest page: the largest OFFSET
    middle_page = max(1, last_page // 2)  # the longest walk from either end
    cases = [
        ("page 1", {}),
        (f"page {middle_page}", {"p": str(middle_page)}),
        (f"page {last_page}", {"p": str(last_page)}),
        ("no purpose", {"purpose_status": "none"}),
        ("search e-mail", {"search": search_id}),
    ]
    print(f"\n{args.runs} timed renders per case after 2 warm-ups, {LISTING_URL}")
    results = [measure(client, label, params, args.runs, args.show_sql) for label, params in cases]
    if results[-1]["rows"] != 1:
        print(f"WARNING: the e-mail search listed {results[-1]['rows']} rows, expected 1")

    if args.explain:
        explain(results)

    print(f"\ngoal: median under {GOAL_MS:.0f} ms for each case")
    for result in results:
        print(f"  {result['label']:<15} {result['median'] / GOAL_MS:.2f} x goal")
    slowest = max(results, key=lambda result: result["median"])
    print(
        f"median ms / 300 ms goal (slowest, {slowest['label']}): {slowest['median'] / GOAL_MS:.2f}"
    )


if __name__ == "__main__":
    main()
