"""Data-subject rights on PostgreSQL: exporting a long consent history, anonymising in bulk.

What is measured
----------------
1. **Export.** ``rights.export.export_contact`` for one contact holding 1,000 consent
   records (10 purposes, 100 records each: given, then renewals and notices), each
   with realistic evidence (submission and confirmation IP and user agent, the form's
   texts, the double opt-in mail as sent: ~1.5 kB encrypted). The call is what the
   admin's "Export" button and the visitor's "Download" do before serialising: load
   the contact, its lists, assignments and records (decrypting every record's
   evidence), build the receipts, write the audit entry. 2 untimed warm-ups, then
   N=15 timed calls (``time.perf_counter``); we report the median and p90 in ms and,
   from one extra call under ``CaptureQueriesContext``, the number of SQL queries.
   Goal: median under 200 ms. ``json.dumps`` of the result is timed separately.

2. **Bulk anonymisation.** ``erase_contacts(contacts, "anonymise")`` — what the bulk
   "Erase" action runs — on 10,000 freshly seeded contacts, each with one purpose
   assignment and one consent record with evidence. The contacts are loaded (and
   decrypted) before the clock starts, as the bulk action's form does. Seeding is
   repeated before each of 3 runs (the previous run's contacts, suppressions and log
   entries are removed first); we report contacts per second of each run and the
   median. Goal (ours, the issue names none): 10,000 contacts within 10 s, i.e. at
   least 1,000 contacts/s, so a bulk action of that size finishes well inside a
   30 s request timeout.

Database
--------
``DATABASE_URL`` from the environment, which must point at PostgreSQL (anything else
exits with status 2). Unset, it defaults to
``postgres://postgres@127.0.0.1:5432/gdpr_mail_bench_rights``, creating that
database with psycopg if missing. Migrations are applied with ``call_command``.
The export contact is seeded once and found again on re-runs. Never point
DATABASE_URL at a database whose data you care about: the script writes to it.

The site runs with ``DJANGO_DEBUG=0`` (production-like); the example site's public
demo keys are passed explicitly because the settings use them only with DEBUG on.

Run from the repository root with the venv active::

    python benchmarks/rights.py
    python benchmarks/rights.py --runs 30 --contacts 20000
    python benchmarks/rights.py --profile      # cProfile of one export and one erasure
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import pstats
import secrets
import statistics
import time
from datetime import timedelta

from _common import (  # noqa: E402 - the folder's shared helpers
    bench_purpose,
    configure_postgres,
    percentile,
    setup_django,
)

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/gdpr_mail_bench_rights"
EXPORT_EMAIL = "bench.rights.export@example.org"
EXPORT_RECORDS = 1_000
EXPORT_PURPOSES = 10
EXPORT_GOAL_MS = 200.0
ERASE_CONTACTS = 10_000
ERASE_RUNS = 3
ERASE_GOAL_PER_SECOND = 1_000.0
BATCH_SIZE = 2_000
BENCH_PURPOSE_PREFIX = "Benchmark rights"
ERASE_PURPOSE = f"{BENCH_PURPOSE_PREFIX}: anonymise"

FORM_INFO = (
    "<p>Example Shop s.r.o., Náměstí Svobody 1, 602 00 Brno, processes your e-mail "
    "address and name to send you the newsletter you chose. You can withdraw your "
    "consent at any time through the link in every e-mail. Details in our privacy "
    "policy.</p>"
)
MAIL_BODY = (
    "Hello {name},\n\nplease confirm that you want to receive our newsletter by opening "
    "this link:\n\n[confirmation link]\n\nIf you did not ask for it, ignore this message; "
    "nothing will be sent to you.\n\nExample Shop s.r.o.\n" * 2
)


# --- Database selection and creation (before Django is set up) ------------------


def configure_database() -> str:
    return configure_postgres(DEFAULT_DATABASE_URL, "rights.py")


# --- Seeding ---------------------------------------------------------------------


def evidence_for(i: int, purpose, when) -> dict:
    """What a confirmed double opt-in leaves as proof (the chain writer adds the salt)."""
    return {
        "submission": {
            "at": (when - timedelta(minutes=3)).isoformat(),
            "ip": f"198.51.{i % 250}.{(i * 7) % 250}",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
        },
        "confirmation": {
            "at": when.isoformat(),
            "ip": f"203.0.{(i * 3) % 250}.{i % 250}",
            "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Safari/604.1",
        },
        "form": {
            "page": {"id": 3, "title": "Newsletter", "url": "https://shop.example/newsletter/"},
            "form_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
            "heading": "Subscribe to our newsletter",
            "intro": "<p>News about once a month.</p>",
            "info_text": FORM_INFO,
            "privacy_link": "https://shop.example/privacy/",
            "main_purpose": {
                "id": purpose.pk,
                "name": purpose.name,
                "text": purpose.visitor_text,
                "legal_basis": "consent",
                "retention": "3 years",
                "revision_id": None,
            },
            "extra_purposes": [],
            "fields": ["email", "first_name", "last_name"],
            "submit_label": "Subscribe",
        },
        "mail": {
            "subject": "Please confirm your subscription",
            "text": MAIL_BODY,
            "from": "newsletter@shop.example",
        },
        "signup_id": i,
    }


def build_record(*, contact_id, assignment, purpose, revision_id, event, when, evidence):
    """An unsaved ConsentRecord; ``ConsentRecord.objects.append_many`` chains and writes it."""
    from wagtail_gdpr_mail.models import ConsentRecord

    return ConsentRecord(
        contact_id=contact_id,
        assignment=assignment,
        purpose=purpose,
        purpose_revision_id=revision_id,
        event=event,
        source="form",
        occurred_at=when,
        valid_from=assignment.valid_from,
        valid_until=assignment.valid_until,
        evidence=evidence,
    )


def seed_export_contact():
    """The contact with 1,000 consent records; created once, found again on re-runs."""
    from django.db import transaction
    from django.utils import timezone

    from wagtail_gdpr_mail.consent.verify import chain_problems
    from wagtail_gdpr_mail.models import (
        ConsentRecord,
        Contact,
        ContactList,
        ListMembership,
        PurposeAssignment,
    )

    contact = Contact.objects.by_email(EXPORT_EMAIL).first()
    if contact is not None and contact.consent_records.count() == EXPORT_RECORDS:
        return contact, None
    started = time.perf_counter()
    with transaction.atomic():
        if contact is not None:
            contact.delete()  # a half-seeded one from an interrupted run
        now = timezone.now()
        contact = Contact.objects.create(
            email=EXPORT_EMAIL,
            first_name="Bohumila",
            last_name="Exportová",
            custom_fields={"company": "Firma 42", "city": "Uherské Hradiště", "tier": "gold"},
            source="form",
            created_at=now - timedelta(days=900),
        )
        for number in range(3):
            contact_list, _ = ContactList.objects.get_or_create(name=f"Benchmark rights {number}")
            ListMembership.objects.create(contact=contact, contact_list=contact_list)
        per_purpose = EXPORT_RECORDS // EXPORT_PURPOSES
        purposes = [
            bench_purpose(f"{BENCH_PURPOSE_PREFIX}: export {n}") for n in range(EXPORT_PURPOSES)
        ]
        start = now - timedelta(days=800)
        assignments = PurposeAssignment.objects.bulk_create(
            [
                PurposeAssignment(
                    contact=contact,
                    purpose=purpose,
                    valid_from=start,
                    valid_until=start + timedelta(days=3 * 365),
                    source="form",
                    created_at=start,
                )
                for purpose in purposes
            ]
        )
        records = []
        for n in range(per_purpose):
            for purpose, assignment in zip(purposes, assignments, strict=True):
                event = "given" if n == 0 else ("renewed" if n % 2 else "notice_sent")
                when = start + timedelta(hours=len(records))
                record = build_record(
                    contact_id=contact.pk,
                    assignment=assignment,
                    purpose=purpose,
                    revision_id=purpose.current_revision().pk,
                    event=event,
                    when=when,
                    evidence=evidence_for(len(records), purpose, when),
                )
                records.append(record)
        ConsentRecord.objects.append_many(records)
    problems = list(chain_problems(contact.pk))
    if problems:
        raise SystemExit("the seeded chain does not verify: " + "; ".join(problems[:3]))
    return contact, time.perf_counter() - started


def seed_erase_contacts(count: int, run: int):
    """``count`` fresh contacts, each with one assignment and one consent record."""
    from django.db import transaction
    from django.utils import timezone

    from wagtail_gdpr_mail.crypto import email_blind_index
    from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment

    purpose = bench_purpose(ERASE_PURPOSE, years=2)
    revision_id = purpose.current_revision().pk
    tag = secrets.token_hex(3)
    now = timezone.now()
    pks = []
    with transaction.atomic():
        for batch_start in range(0, count, BATCH_SIZE):
            numbers = range(batch_start, min(batch_start + BATCH_SIZE, count))
            contacts = []
            for i in numbers:
                email = f"bench.anon.{run}.{tag}.{i}@example.org"
                contact = Contact(
                    email=email,
                    first_name="Jana",
                    last_name=f"Nováková {i}",
                    custom_fields={"company": f"Firma {i % 97}", "seq": i},
                    source="form",
                    created_at=now - timedelta(minutes=count - i),
                )
                contact.email_index = email_blind_index(email)  # bulk_create skips save()
                contacts.append(contact)
            contacts = Contact.objects.bulk_create(contacts)
            assignments = PurposeAssignment.objects.bulk_create(
                [
                    PurposeAssignment(
                        contact=contact,
                        purpose=purpose,
                        valid_from=now - timedelta(days=30),
                        valid_until=now + timedelta(days=700),
                        source="form",
                    )
                    for contact in contacts
                ]
            )
            ConsentRecord.objects.append_many(
                [
                    build_record(
                        contact_id=contact.pk,
                        assignment=assignment,
                        purpose=purpose,
                        revision_id=revision_id,
                        event="given",
                        when=now - timedelta(days=30),
                        evidence=evidence_for(i, purpose, now - timedelta(days=30)),
                    )
                    for i, (contact, assignment) in zip(
                        numbers, zip(contacts, assignments, strict=True), strict=True
                    )
                ]
            )
            pks += [c.pk for c in contacts]
    return pks


def remove_erase_contacts() -> None:
    """What earlier runs left: the contacts, their suppressions and audit entries."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ModelLogEntry

    from wagtail_gdpr_mail.models import Contact, Suppression

    contacts = Contact.objects.filter(assignments__purpose__name=ERASE_PURPOSE)
    pks = [str(pk) for pk in contacts.values_list("pk", flat=True)]
    ModelLogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Contact), object_id__in=pks
    ).delete()
    Contact.objects.filter(pk__in=[int(pk) for pk in pks]).delete()
    # Only the benchmark erases here with reason "erased"; the export contact is never erased.
    Suppression.objects.filter(reason=Suppression.Reason.ERASED).delete()


def vacuum() -> None:
    from django.db import connection

    from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment, Suppression

    with connection.cursor() as cursor:
        for model in (Contact, PurposeAssignment, ConsentRecord, Suppression):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


# --- Measuring -------------------------------------------------------------------


def profile(call, label: str, lines: int = 25) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(lines)
    print(f"\n--- cProfile: {label} (cumulative) ---")
    print(out.getvalue())


def measure_export(contact, runs: int, show_profile: bool) -> dict:
    import json

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from wagtail_gdpr_mail.rights import export as exporting

    for _ in range(2):  # warm-ups: caches, PostgreSQL buffers
        data = exporting.export_contact(contact)
    if len(data["consent_records"]) != EXPORT_RECORDS:
        raise SystemExit(f"export holds {len(data['consent_records'])} records")

    timings, dumps = [], []
    for _ in range(runs):
        start = time.perf_counter()
        data = exporting.export_contact(contact)
        timings.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        json.dumps(data, ensure_ascii=False, indent=2)
        dumps.append((time.perf_counter() - start) * 1000)

    with CaptureQueriesContext(connection) as captured:
        exporting.export_contact(contact)
    result = {
        "median": statistics.median(timings),
        "p90": percentile(timings, 0.9),
        "json": statistics.median(dumps),
        "queries": len(captured.captured_queries),
        "size": len(json.dumps(data, ensure_ascii=False, indent=2).encode()),
    }
    print(
        f"export, {EXPORT_RECORDS:,} records   median {result['median']:7.1f} ms   "
        f"p90 {result['p90']:7.1f} ms   {result['queries']} SQL queries   "
        f"(+ json.dumps {result['json']:.1f} ms, {result['size'] / 1024:.0f} KiB)"
    )
    if show_profile:
        profile(lambda: exporting.export_contact(contact), "export_contact")
    return result


def measure_erasure(count: int, runs: int, show_profile: bool) -> list[float]:
    from wagtail_gdpr_mail.models import Contact, PurposeAssignment
    from wagtail_gdpr_mail.rights.erasure import erase_contacts

    rates = []
    for run in range(1, runs + 1):
        remove_erase_contacts()
        started = time.perf_counter()
        pks = seed_erase_contacts(count, run)
        vacuum()
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        contacts = list(Contact.objects.filter(pk__in=pks))
        loaded = time.perf_counter() - started

        def erase(contacts=contacts):
            return erase_contacts(contacts, "anonymise")

        if show_profile and run == runs:
            profile(erase, f"erase_contacts of {count:,} contacts", lines=30)
            done, seconds = count, float("nan")
        else:
            started = time.perf_counter()
            done = erase()
            seconds = time.perf_counter() - started
        if done != count:
            raise SystemExit(f"erase_contacts returned {done}, expected {count}")
        left = Contact.objects.filter(pk__in=pks, anonymised_at__isnull=True).count()
        valid = PurposeAssignment.objects.filter(contact_id__in=pks, revoked_at__isnull=True)
        if left or valid.exists():
            raise SystemExit(f"run {run}: {left} contacts not anonymised")
        if not math.isnan(seconds):
            rates.append(count / seconds)
            print(
                f"anonymise run {run}: {count:,} contacts in {seconds:6.2f} s = "
                f"{count / seconds:8,.0f} contacts/s   "
                f"(seeding {seeded:.1f} s, loading {loaded:.2f} s untimed)"
            )
    remove_erase_contacts()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runs", type=int, default=15, help="timed exports (15)")
    parser.add_argument(
        "--contacts", type=int, default=ERASE_CONTACTS, help="contacts anonymised per run"
    )
    parser.add_argument("--erase-runs", type=int, default=ERASE_RUNS, help="anonymisation runs (3)")
    parser.add_argument(
        "--profile", action="store_true", help="cProfile one export and the last erasure"
    )
    args = parser.parse_args()

    db_name = configure_database()
    setup_django()

    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", interactive=False, verbosity=0)
    print(f"database {db_name} on PostgreSQL {connection.pg_version // 10000}")

    contact, seconds = seed_export_contact()
    if seconds is None:
        print(f"export contact #{contact.pk} already seeded")
    else:
        print(f"seeded export contact #{contact.pk} in {seconds:.1f} s")
        vacuum()

    print(f"\n{args.runs} timed exports after 2 warm-ups")
    export = measure_export(contact, args.runs, args.profile)

    print(f"\nanonymising {args.contacts:,} contacts in one call, {args.erase_runs} runs")
    rates = measure_erasure(args.contacts, args.erase_runs, args.profile)

    print(f"\ngoal: export median under {EXPORT_GOAL_MS:.0f} ms for {EXPORT_RECORDS:,} records")
    print(f"  export median {export['median']:.1f} ms")
    print(
        f"goal: anonymise at least {ERASE_GOAL_PER_SECOND:,.0f} contacts/s "
        f"({ERASE_CONTACTS:,} within {ERASE_CONTACTS / ERASE_GOAL_PER_SECOND:.0f} s)"
    )
    if rates:
        median_rate = statistics.median(rates)
        print(
            f"  anonymise median {median_rate:,.0f} contacts/s "
            f"= {ERASE_GOAL_PER_SECOND / median_rate:.2f} x the time goal"
        )
    print(f"export median ms / 200 ms goal: {export['median'] / EXPORT_GOAL_MS:.2f}")


if __name__ == "__main__":
    main()
