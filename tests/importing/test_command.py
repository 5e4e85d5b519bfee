"""``manage.py gdpr_mail_import``: the same engine, exit code 1 on row errors."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ImportJob,
    ListMembership,
    PendingSignup,
    PurposeAssignment,
)

pytestmark = pytest.mark.django_db

GOOD = (
    "email,jmeno,prijmeni,since\nada@example.cz,Ada,L,2024-03-01\nbob@example.cz,Bob,M,2024-03-02\n"
)


def call(*args: str) -> tuple[int, str]:
    out = StringIO()
    try:
        call_command("gdpr_mail_import", *args, stdout=out)
    except SystemExit as exit:
        return int(exit.code), out.getvalue()
    return 0, out.getvalue()


def test_import_with_purpose_list_and_date_column(write_file, purpose, contact_list):
    code, out = call(
        str(write_file(GOOD)),
        "--list",
        contact_list.name,
        "--purpose",
        purpose.name,
        "--valid-from",
        "column:since",
        "--note",
        "Shop customers who ticked the box",
    )
    assert code == 0, out
    assert "created 2" in out
    assert Contact.objects.count() == 2
    assert ListMembership.objects.current().count() == 2
    starts = sorted(a.valid_from.date().isoformat() for a in PurposeAssignment.objects.all())
    assert starts == ["2024-03-01", "2024-03-02"] or starts == ["2024-02-29", "2024-03-01"]
    assert ConsentRecord.objects.first().evidence["note"] == "Shop customers who ticked the box"
    assert ImportJob.objects.get().state == ImportJob.State.DONE


def test_row_errors_exit_1_with_the_report(write_file, purpose):
    path = write_file("email\nada@example.cz\nnope\nADA@example.cz\n")
    code, out = call(str(path), "--purpose", str(purpose.pk), "--note", "Fair")
    assert code == 1
    assert "row 3: bad_email" in out and "row 4: duplicate" in out and "A***@e***.cz" in out
    assert Contact.objects.count() == 1


def test_dry_run_writes_nothing_and_deletes_the_file(write_file, purpose, import_dir):
    code, out = call(
        str(write_file(GOOD)), "--purpose", purpose.name, "--note", "Fair", "--dry-run"
    )
    assert code == 0 and "dry run: would have rows 2, created 2" in out
    assert Contact.objects.count() == 0
    assert not any(import_dir.iterdir())


def test_doi_sends_mail_instead(write_file, purpose, mailoutbox):
    code, out = call(str(write_file(GOOD)), "--purpose", purpose.name, "--doi")
    assert code == 0 and "invited 2" in out
    assert Contact.objects.count() == 0 and PendingSignup.objects.count() == 2


def test_doi_does_not_mail_an_address_twice_while_its_link_is_open(write_file, purpose, mailoutbox):
    """Importing the same file again (or an address that already asked on a form)
    sends no second confirmation mail while the first link still works."""
    call(str(write_file(GOOD)), "--purpose", purpose.name, "--doi")
    sent = len(mailoutbox)
    code, out = call(str(write_file(GOOD)), "--purpose", purpose.name, "--doi")
    assert code == 0 and "invited 0" in out
    assert PendingSignup.objects.count() == 2 and len(mailoutbox) == sent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--purpose", "Nope", "--note", "x"], "No purpose named"),
        (["--list", "Nope"], "No list named"),
        (["--purpose", "Newsletter"], "--note is required"),
        (["--purpose", "Newsletter", "--note", "x", "--valid-from", "soon"], "is not now"),
        (["--purpose", "Newsletter", "--note", "x", "--valid-from", "joined"], "needs --list"),
        (["--email-column", "mail"], "no column 'mail'"),
    ],
)
def test_bad_options(write_file, purpose, args, message):
    with pytest.raises(CommandError, match=message):
        call(str(write_file(GOOD)), *args)


def test_unreadable_file(write_file, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call(str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="neither a CSV nor an XLSX"):
        call(str(write_file(b"\x00\x00")))
