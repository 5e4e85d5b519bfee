"""Tampering with the consent proof is reported by ``gdpr_mail_verify_consent``."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.management.commands.gdpr_mail_verify_consent import (
    Command as VerifyCommand,
)
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    ContactSource,
)
from wagtail_gdpr_mail.rights.erasure import erase_contacts

# --- Proof integrity ------------------------------------------------------------------------


def verify(*args: str) -> tuple[int, str, str]:
    """Run ``manage.py gdpr_mail_verify_consent`` as from the shell: exit status, out, err."""
    out, err = StringIO(), StringIO()
    command = VerifyCommand(stdout=out, stderr=err)
    # run_from_argv closes every connection at the end; the test still needs its own.
    with mock.patch("django.core.management.base.connections.close_all"):
        try:
            command.run_from_argv(["manage.py", "gdpr_mail_verify_consent", "--skip-checks", *args])
            status = 0
        except SystemExit as exit:
            status = exit.code
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def chains(person):
    """Three contacts with consent records; Zdeňka has five (given×3, revoked, renewed)."""
    assign_purpose(person.contact, person.main, source=ContactSource.RECONSENT)
    records = list(person.contact.consent_records.order_by("pk"))
    assert len(records) == 5
    return SimpleNamespace(records=records, **vars(person))


def test_verify_reports_ok_on_intact_chains_also_after_anonymisation(chains, make_contact):
    status, out, _ = verify()
    assert status == 0 and "verify" in out
    erase_contacts([chains.contact], "anonymise")
    status, out, err = verify()
    assert status == 0, out + err
    assert "All consent records of 2 contact(s) verify." in out
    call_command("gdpr_mail_verify_consent", stdout=StringIO())  # no CommandError
    status, out, _ = verify("--contact", str(chains.contact.pk))
    assert status == 0 and "1 contact(s)" in out


def assert_reported(status: int, out: str, err: str, record: ConsentRecord) -> None:
    assert status == 1, (status, out, err)
    assert f"consent record #{record.pk}" in out
    assert "CommandError" in err and "problem" in err
    with pytest.raises(CommandError):
        call_command("gdpr_mail_verify_consent", stdout=StringIO())


def test_verify_reports_a_changed_event(chains):
    record = chains.records[2]
    ConsentRecord.objects.filter(pk=record.pk).update(event="revoked")
    assert_reported(*verify(), record)


def test_verify_reports_a_changed_date_even_after_anonymisation(chains):
    erase_contacts([chains.contact], "anonymise")
    record = chains.records[1]
    ConsentRecord.objects.filter(pk=record.pk).update(
        occurred_at=record.occurred_at - timedelta(days=400)
    )
    assert_reported(*verify(), record)


def test_verify_reports_a_deleted_middle_record(chains):
    removed, following = chains.records[2], chains.records[3]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {ConsentRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [removed.pk],
        )
    status, out, err = verify()
    assert_reported(status, out, err, following)
    assert "removed" in out


def test_verify_reports_corrupted_evidence_ciphertext(chains):
    record = chains.records[1]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT evidence FROM {ConsentRecord._meta.db_table} WHERE id = %s",  # noqa: S608
            [record.pk],
        )
        (stored,) = cursor.fetchone()
        # Flip one character in the middle of the ciphertext body.
        middle = len(stored) // 2
        flipped = "A" if stored[middle] != "A" else "B"
        cursor.execute(
            f"UPDATE {ConsentRecord._meta.db_table} SET evidence = %s WHERE id = %s",  # noqa: S608
            [stored[:middle] + flipped + stored[middle + 1 :], record.pk],
        )
    status, out, err = verify()
    assert_reported(status, out, err, record)
    assert "evidence" in out


def test_verify_reports_evidence_swapped_between_records(chains):
    """A valid ciphertext from another record of the same column decrypts, but its
    content does not match the digest."""
    first, second = chains.records[0], chains.records[1]
    table = ConsentRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT evidence FROM {table} WHERE id = %s", [first.pk])  # noqa: S608
        (stored,) = cursor.fetchone()
        cursor.execute(
            f"UPDATE {table} SET evidence = %s WHERE id = %s",  # noqa: S608
            [stored, second.pk],
        )
    assert_reported(*verify(), second)
