"""The import engine: rows to contacts, dedupe, update policies, suppression, DOI."""

from __future__ import annotations

import pytest

from tests.helpers.importing import assign, make_job
from wagtail_gdpr_mail.importing import run
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
        "rows": 2, "created": 2, "updated": 0, "unchanged": 0, "invited": 0, "skipped": 0
    }
    assert Contact.objects.count() == 0  # the dry run wrote nothing
    job.refresh_from_db()
    assert job.state == ImportJob.State.CHECKED
    job = run.run(job.pk)
    assert job.state == ImportJob.State.DONE and job.created == 2
    jana = Contact.objects.by_email("JANA@example.cz").get()
    assert (jana.first_name, jana.last_name, jana.custom_fields) == (
        "Jana", "Nováková", {"city": "Brno"}
    )
    assert jana.source == "import"
    assert ListMembership.objects.current().filter(contact_list=contact_list).count() == 2
    record = ConsentRecord.objects.get(contact=jana)
    assert record.evidence["note"] == "Paper forms at the fair 2026"
    assert record.evidence["import"]["import_id"] == job.pk
    assert not job.file_path  # the file is gone after the run
