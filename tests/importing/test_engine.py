"""The import engine: rows to contacts, dedupe, update policies, suppression, DOI."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.importing import assign, make_job
from tests.helpers.links import confirm_path
from wagtail_gdpr_mail.importing import batch, run
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ImportJob,
    ListMembership,
    PendingSignup,
    PurposeAssignment,
    Suppression,
)

pytestmark = pytest.mark.django_db

CSV = (
    "Email Address,First Name,Last Name,City\n"
    "jana@example.cz,Jana,Nováková,Brno\n"
    "petr@example.cz,Petr,Svoboda,Praha\n"
)


def test_dry_run_then_run_creates_contacts_with_purposes_and_list(
    write_file, purpose, contact_list, superuser
):
    job = make_job(
        write_file(CSV),
        purposes=[assign(purpose)],
        contact_list=contact_list,
        custom={"city": 3},
        user=superuser,
    )
    totals = run.check(job)
    assert totals.as_dict() == {
        "rows": 2,
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "invited": 0,
        "skipped": 0,
    }
    assert Contact.objects.count() == 0  # the dry run wrote nothing
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED
    job = run.run(job.pk)
    assert job.state == ImportJob.State.DONE and job.created == 2
    jana = Contact.objects.by_email("JANA@example.cz").get()
    assert (jana.first_name, jana.last_name, jana.custom_fields) == (
        "Jana",
        "Nováková",
        {"city": "Brno"},
    )
    assert jana.source == "import"
    assert ListMembership.objects.current().filter(contact_list=contact_list).count() == 2
    record = ConsentRecord.objects.get(contact=jana)
    assert record.evidence["note"] == "Paper forms at the fair 2026"
    assert record.evidence["import"]["import_id"] == job.pk
    assert not job.file_path  # the file is gone after the run
    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.import_contacts")
    assert entry.data["created"] == 2 and entry.data["import_id"] == job.pk
    assert "jana" not in json.dumps(entry.data).lower()
    assert not ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.join_list").exists()


def test_a_contact_created_meanwhile_makes_the_batch_run_again(write_file, purpose, monkeypatch):
    job = make_job(write_file(CSV), purposes=[assign(purpose)])
    real = batch.insert_rows
    calls = {"n": 0}

    def racing_insert(model, columns, rows):
        if model is Contact and calls["n"] == 0:
            calls["n"] += 1
            Contact.objects.create(email="petr@example.cz")  # a confirmation got there first
        return real(model, columns, rows)

    monkeypatch.setattr(batch, "insert_rows", racing_insert)
    job = run.run(job.pk)
    # One connection here: the racing row went with the failed batch's rollback, so
    # the second attempt creates both; what counts is that the unique violation
    # rolled the batch back whole and the batch ran again, without doubling anything.
    assert calls["n"] == 1 and job.state == ImportJob.State.DONE
    assert job.created == 2 and Contact.objects.count() == 2
    assert PurposeAssignment.objects.count() == ConsentRecord.objects.count() == 2


def _codes(job):
    return [(r["row"], r["code"]) for r in run.report_rows(job) if r["code"]]


def test_per_row_errors_with_row_numbers(write_file, purpose, make_contact):
    Suppression.add(reason=Suppression.Reason.ERASED, email="gone@example.cz")
    content = (
        "Email Address,First Name,Last Name,Since\n"
        "ok@example.cz,A,B,2024-01-02\n"  # row 2
        "not-an-address,A,B,2024-01-02\n"  # 3
        "OK@example.cz,A,B,2024-01-02\n"  # 4: duplicate (case-insensitive)
        "gone@example.cz,A,B,2024-01-02\n"  # 5: suppressed
        "late@example.cz,A,B,someday\n"  # 6: bad date
        'calc@example.cz,=HYPERLINK("x"),B,2024-01-02\n'  # 7: formula
        "long@example.cz," + "x" * 2000 + ",B,2024-01-02\n"  # 8: too long
        "rag@example.cz,A,B,2024-01-02,extra,more\n"  # 9: ragged
        "phone@example.cz,+420 123 456,B,3. 2. 2024\n"  # 10: fine (not a formula)
    )
    job = make_job(write_file(content), purposes=[assign(purpose, valid_from="column", column=3)])
    totals = run.check(job)
    assert totals.created == 2 and totals.skipped == 7
    shown = [(e.row, e.code) for e in totals.errors]
    assert shown == [
        (3, "bad_email"),
        (4, "duplicate"),
        (5, "suppressed"),
        (6, "bad_date"),
        (7, "formula"),
        (8, "too_long"),
        (9, "ragged"),
    ]
    assert all("@" not in e.masked or "***" in e.masked for e in totals.errors)
    job = run.run(job.pk)
    assert _codes(job) == shown
    assert not Contact.objects.by_email("gone@example.cz").exists()
    phone = Contact.objects.by_email("phone@example.cz").get()
    start = timezone.localtime(PurposeAssignment.objects.get(contact=phone).valid_from)
    assert (start.year, start.month, start.day) == (2024, 2, 3)


def test_duplicates_across_batches_and_against_the_database(
    write_file, purpose, make_contact, settings
):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_BATCH_SIZE = 2
    old = make_contact("old@example.cz", first_name="", last_name="Old")
    rows = ["a@example.cz", "b@example.cz", "old@example.cz", "A@example.cz", "c@example.cz"]
    content = "Email Address,First Name,Last Name\n" + "".join(
        f"{email},New,Name\n" for email in rows
    )
    job = make_job(write_file(content), purposes=[assign(purpose)], policy="fill")
    run.check(job)
    job = run.run(job.pk)
    assert (job.created, job.updated, job.skipped) == (3, 1, 1)
    assert _codes(job) == [(5, "duplicate")]
    old.refresh_from_db()
    assert (old.first_name, old.last_name) == ("New", "Old")  # filled, not overwritten
    assert Contact.objects.count() == 4
    assert PurposeAssignment.objects.filter(purpose=purpose).count() == 4


@pytest.mark.parametrize(
    ("policy", "expected"),
    [("keep", ("", "Old")), ("fill", ("New", "Old")), ("overwrite", ("New", "Name"))],
)
def test_update_policies(write_file, make_contact, policy, expected):
    old = make_contact("old@example.cz", first_name="", last_name="Old")
    job = make_job(
        write_file("Email Address,First Name,Last Name\nold@example.cz,New,Name\n"), policy=policy
    )
    run.check(job)
    job = run.run(job.pk)
    old.refresh_from_db()
    assert (old.first_name, old.last_name) == expected
    assert (job.updated, job.unchanged) == ((0, 1) if policy == "keep" else (1, 0))


def test_double_opt_in_creates_no_contact_until_confirmed(
    write_file, purpose, contact_list, mailoutbox, django_capture_on_commit_callbacks
):
    job = make_job(
        write_file(CSV),
        purposes=[{"purpose_id": purpose.pk, "mode": "doi"}],
        contact_list=contact_list,
    )
    run.check(job)
    assert PendingSignup.objects.count() == 0 and len(mailoutbox) == 0
    with django_capture_on_commit_callbacks(execute=True):
        job = run.run(job.pk)
    assert job.invited == 2 and job.created == 0
    assert Contact.objects.count() == 0
    assert PendingSignup.objects.count() == 2
    assert len(mailoutbox) == 2
    jana_mail = next(m for m in mailoutbox if m.to == ["jana@example.cz"])
    assert Client().post(confirm_path(jana_mail)).status_code == 200
    jana = Contact.objects.by_email("jana@example.cz").get()
    assert (jana.first_name, jana.last_name) == ("Jana", "Nováková")
    assert PurposeAssignment.objects.get(contact=jana).purpose == purpose
    assert ListMembership.objects.current().filter(contact=jana, contact_list=contact_list)
    assert Contact.objects.count() == 1


def test_crash_mid_import_then_resume_equals_one_clean_run(
    write_file, purpose, contact_list, settings, monkeypatch
):
    settings.WAGTAIL_GDPR_MAIL_IMPORT_BATCH_SIZE = 3
    content = (
        "Email Address,First Name,Last Name\n"
        + "".join(f"p{n}@example.cz,P{n},N\n" for n in range(10))
        + "p1@example.cz,dup,N\nbad,x,y\n"
    )
    clean = make_job(write_file(content), purposes=[assign(purpose)], contact_list=contact_list)
    run.check(clean)
    clean = run.run(clean.pk)
    clean_report = [(r["row"], r["outcome"], r["code"]) for r in run.report_rows(clean)]
    clean_counts = (
        Contact.objects.count(),
        PurposeAssignment.objects.count(),
        ConsentRecord.objects.count(),
        ListMembership.objects.count(),
    )
    Contact.objects.all().delete()  # cascades: assignments, records, memberships

    crashy = make_job(write_file(content), purposes=[assign(purpose)], contact_list=contact_list)
    run.check(crashy)
    calls = {"n": 0}

    def crash(job, row):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(run, "batch_hook", crash)
    with pytest.raises(RuntimeError):
        run.run(crashy.pk)
    crashy.refresh_from_db()
    assert crashy.state == ImportJob.State.RUNNING and crashy.cursor == 4  # rows 2-4 done
    assert Contact.objects.count() == 3
    crashy = run.run(crashy.pk)  # the redelivered task
    assert crashy.state == ImportJob.State.DONE
    report = [(r["row"], r["outcome"], r["code"]) for r in run.report_rows(crashy)]
    assert report == clean_report
    assert (crashy.created, crashy.skipped) == (clean.created, clean.skipped) == (10, 2)
    assert (
        (
            Contact.objects.count(),
            PurposeAssignment.objects.count(),
            ConsentRecord.objects.count(),
            ListMembership.objects.count(),
        )
        == clean_counts
        == (10, 10, 10, 10)
    )
