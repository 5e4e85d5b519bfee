"""The admin's import: upload → mapping → dry run → run → report, and who may."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse

from tests.helpers.users import make_user
from wagtail_gdpr_mail.models import Contact, ImportJob, PurposeAssignment

pytestmark = pytest.mark.django_db


def upload_url():
    return reverse("wagtail_gdpr_mail_import:upload")


def importer():
    return make_user("importer", ["import_contacts"])


def test_upload_mapping_dry_run_run_and_report(
    client, purpose, contact_list, django_capture_on_commit_callbacks
):
    client.force_login(importer())
    page = client.get(upload_url())
    assert page.status_code == 200
    file = BytesIO(
        "Email Address;First Name;Last Name\njana@example.cz;Jana;Nováková\nbad;X;Y\n".encode(
            "cp1250"
        )
    )
    file.name = "export.csv"
    response = client.post(upload_url(), {"file": file})
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert (job.encoding, job.delimiter) == ("cp1250", ";")
    mapping = client.get(response["Location"])
    content = mapping.content.decode()
    assert "Nováková" in content  # the preview, decoded from Windows-1250
    data = {
        "action": "check",
        "preset": "mailchimp",
        "email": "0",
        "first_name": "1",
        "last_name": "2",
        "contact_list": str(contact_list.pk),
        "policy": "keep",
        f"purpose_{purpose.pk}_mode": "assign",
        f"purpose_{purpose.pk}_valid_from": "now",
        "note": "",
    }
    missing_note = client.post(response["Location"], data)
    assert missing_note.status_code == 400
    assert "proof" in missing_note.content.decode()
    data["note"] = "Paper forms"
    checked = client.post(response["Location"], data)
    assert checked.status_code == 302
    result = client.get(response["Location"]).content.decode()
    assert "Would be created: 1" in result and "not a valid e-mail address" in result
    assert Contact.objects.count() == 0
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"action": "start"})
    job.refresh_from_db()
    assert job.state == ImportJob.State.DONE and job.created == 1 and job.skipped == 1
    assert PurposeAssignment.objects.filter(purpose=purpose).count() == 1
    status = client.get(reverse("wagtail_gdpr_mail_import:status", args=[job.pk])).json()
    assert status["percent"] == 100 and status["finished"]
    report = client.get(reverse("wagtail_gdpr_mail_import:report", args=[job.pk]))
    body = b"".join(report.streaming_content).decode("utf-8")
    assert body.startswith("\ufeffRow,")
    assert "3,Skipped,bad_email" in body and "jana@" not in body and "j***@e***.cz" in body


def test_bad_file_is_one_clear_error(client):
    client.force_login(importer())
    file = BytesIO(b"PK\x03\x04 not really a zip")
    file.name = "x.xlsx"
    response = client.post(upload_url(), {"file": file})
    assert response.status_code == 400
    assert "neither a CSV nor an XLSX" in response.content.decode()
    assert ImportJob.objects.count() == 0


def test_without_the_permission_nothing_is_shown_or_done(client, editor):
    client.force_login(editor)
    assert client.get(upload_url()).status_code == 403
    file = BytesIO(b"email\na@example.cz\n")
    file.name = "a.csv"
    assert client.post(upload_url(), {"file": file}).status_code == 403
    assert ImportJob.objects.count() == 0
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert "Import contacts" not in menu


def test_every_step_refuses_a_user_without_the_permission(client, editor, write_file):
    from tests.helpers.importing import make_job

    job = make_job(write_file("email\na@example.cz\n"))
    client.force_login(editor)
    for name in ("job", "status", "report"):
        url = reverse(f"wagtail_gdpr_mail_import:{name}", args=[job.pk])
        assert client.get(url).status_code == 403
    url = reverse("wagtail_gdpr_mail_import:job", args=[job.pk])
    assert client.post(url, {"action": "check", "email": "0"}).status_code == 403
    job.refresh_from_db()
    assert job.state == ImportJob.State.UPLOADED and job.dry_run is None


def test_start_twice_queues_once_and_cancel_deletes_the_file(
    client, write_file, django_capture_on_commit_callbacks, import_dir
):
    from tests.helpers.importing import make_job
    from wagtail_gdpr_mail.importing import run

    client.force_login(importer())
    job = make_job(write_file("email\na@example.cz\n"))
    run.check(job)
    url = reverse("wagtail_gdpr_mail_import:job", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(url, {"action": "start"})
        client.post(url, {"action": "start"})
    assert len(callbacks) == 1
    other = make_job(write_file("email\nb@example.cz\n"))
    run.check(other)
    assert len(list(import_dir.iterdir())) == 2
    client.post(reverse("wagtail_gdpr_mail_import:job", args=[other.pk]), {"action": "cancel"})
    other.refresh_from_db()
    assert other.state == ImportJob.State.FAILED and not other.file_path
    assert len(list(import_dir.iterdir())) == 1
