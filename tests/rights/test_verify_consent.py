"""Tampering with the consent proof is reported by ``gdpr_mail_verify_consent``."""

from __future__ import annotations

import hashlib
import json
import uuid
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
    ConsentChainHead,
    ConsentRecord,
    ContactSource,
)
from wagtail_gdpr_mail.models.consent import canonical_json
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


# --- An attacker with write access to the database, but not the chain key ---------------

RECORDS = ConsentRecord._meta.db_table
HEADS = ConsentChainHead._meta.db_table


def execute(statement: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def plain_sha256_link(previous_hash: str, content: dict) -> str:
    """The unkeyed link an attacker can compute from the row alone."""
    return hashlib.sha256(canonical_json({**content, "previous_hash": previous_hash})).hexdigest()


def assert_contact_reported(status: int, out: str, err: str, contact, *words: str) -> None:
    assert status == 1, (status, out, err)
    assert f"contact #{contact.pk}" in out
    for word in words:
        assert word in out, out
    assert "problem" in err


def test_verify_reports_a_deleted_last_record(chains):
    last = chains.records[-1]
    execute(f"DELETE FROM {RECORDS} WHERE id = %s", [last.pk])  # noqa: S608
    assert_contact_reported(*verify(), chains.contact, "the last 1 consent record(s) were deleted")


def test_verify_reports_all_records_of_a_live_contact_deleted(chains):
    execute(f"DELETE FROM {RECORDS} WHERE contact_id = %s", [chains.contact.pk])  # noqa: S608
    assert_contact_reported(*verify(), chains.contact, "all 5 consent record(s) were deleted")


def test_verify_reports_a_live_contact_whose_records_and_chain_head_were_deleted(chains):
    execute(f"DELETE FROM {RECORDS} WHERE contact_id = %s", [chains.contact.pk])  # noqa: S608
    execute(f"DELETE FROM {HEADS} WHERE contact_id = %s", [chains.contact.pk])  # noqa: S608
    assert_contact_reported(
        *verify(), chains.contact, "holds purpose assignments but has no consent records"
    )


def test_verify_reports_a_removed_chain_head(chains):
    ConsentChainHead.objects.filter(contact=chains.contact).delete()
    assert_contact_reported(*verify(), chains.contact, "has no anchored head")


def test_verify_reports_a_head_moved_back_with_a_truncated_chain(chains):
    """Deleting the last record and moving the head back to the one before: the seal
    cannot be recomputed without the key."""
    last, before = chains.records[-1], chains.records[-2]
    execute(f"DELETE FROM {RECORDS} WHERE id = %s", [last.pk])  # noqa: S608
    ConsentChainHead.objects.filter(contact=chains.contact).update(
        record_count=4, head_hash=before.record_hash
    )
    assert_contact_reported(*verify(), chains.contact, "head of its chain was altered")


def test_verify_reports_a_record_inserted_with_a_recomputed_sha256_link(chains):
    """The attacker copies a record, makes it a fresh consent and links it after the
    last one with plain SHA-256, as the chain was computed before it was keyed."""
    last = chains.records[-1]
    forged = ConsentRecord.objects.get(pk=chains.records[0].pk)
    forged.pk, forged.event, forged.previous_hash = None, "given", last.record_hash
    forged.row_key = uuid.uuid4()  # a row of its own (row keys are unique)
    forged.occurred_at = last.occurred_at + timedelta(days=1)
    forged.record_hash = plain_sha256_link(forged.previous_hash, forged.chained_content())
    forged._state.adding = True
    forged.save()  # the append-only guard allows inserts; only the link is forged
    status, out, err = verify()
    assert_reported(status, out, err, forged)
    assert "written without the chain key" in out
    assert "does not end where its anchored head says" in out


def test_verify_reports_a_history_rewritten_and_rechained_with_sha256(chains):
    """Change the second record's event and re-chain everything after it, the way
    anyone could while the links were plain SHA-256."""
    records = list(ConsentRecord.objects.filter(contact=chains.contact).order_by("pk"))
    records[1].event = "revoked"
    previous = records[0].record_hash
    for record in records[1:]:
        record.previous_hash = previous
        record.record_hash = plain_sha256_link(previous, record.chained_content())
        previous = record.record_hash
    ConsentRecord.objects.bulk_update(records[1:], ["event", "previous_hash", "record_hash"])
    ConsentChainHead.objects.filter(contact=chains.contact).update(head_hash=previous)
    status, out, err = verify()
    assert_reported(status, out, err, records[1])
    assert "written without the chain key" in out
    assert "head of its chain was altered" in out


def test_verify_reports_wiped_evidence_of_a_live_contact(chains):
    record = chains.records[2]
    ConsentRecord.objects.filter(pk=record.pk).update(evidence=None)
    status, out, err = verify()
    assert_reported(status, out, err, record)
    assert "evidence was wiped although the contact is not anonymised" in out


# --- Checkpoints --------------------------------------------------------------------------


def test_checkpoint_accepts_chains_that_only_grew(chains, tmp_path):
    path = tmp_path / "heads.json"
    status, out, err = verify("--write-checkpoint", str(path))
    assert status == 0, out + err
    assert "Checkpoint of 2 chain(s) written" in out
    assign_purpose(chains.contact, chains.main, source=ContactSource.RECONSENT)
    erase_contacts([chains.contact], "anonymise")
    status, out, err = verify("--checkpoint", str(path))
    assert status == 0, out + err


def test_checkpoint_reports_a_chain_that_shrank_with_its_head_replayed(chains, tmp_path):
    """Undetectable inside the database: the last record deleted and the chain head
    row restored to its earlier (validly sealed) state."""
    path = tmp_path / "heads.json"
    head_before = ConsentChainHead.objects.get(contact=chains.contact)
    assign_purpose(chains.contact, chains.main, source=ContactSource.RECONSENT)
    assert verify("--write-checkpoint", str(path))[0] == 0
    last = ConsentRecord.objects.filter(contact=chains.contact).latest("pk")
    execute(f"DELETE FROM {RECORDS} WHERE id = %s", [last.pk])  # noqa: S608
    head_before.save()
    assert verify()[0] == 0  # the database alone cannot tell
    assert_contact_reported(
        *verify("--checkpoint", str(path)), chains.contact, "shrank since the checkpoint"
    )


def test_checkpoint_reports_a_chain_that_diverged(chains, tmp_path):
    """The last record and the head deleted, then the writer re-anchors a new record:
    as long as before, and consistent in the database, but not the checkpointed chain."""
    path = tmp_path / "heads.json"
    assert verify("--write-checkpoint", str(path))[0] == 0
    execute(f"DELETE FROM {RECORDS} WHERE id = %s", [chains.records[-1].pk])  # noqa: S608
    execute(f"DELETE FROM {HEADS} WHERE contact_id = %s", [chains.contact.pk])  # noqa: S608
    assign_purpose(chains.contact, chains.main, source=ContactSource.RECONSENT)
    assert verify()[0] == 0
    assert_contact_reported(
        *verify("--checkpoint", str(path)), chains.contact, "diverged since the checkpoint"
    )


def test_checkpoint_reports_a_contact_gone_without_erasure(chains, tmp_path):
    path = tmp_path / "heads.json"
    assert verify("--write-checkpoint", str(path))[0] == 0
    other = ConsentChainHead.objects.exclude(contact=chains.contact).get().contact
    erase_contacts([chains.contact], "delete")
    assert verify("--checkpoint", str(path))[0] == 0  # erased: the audit log says so
    type(other).objects.filter(pk=other.pk).delete()  # everything cascades, no audit entry
    assert_contact_reported(
        *verify("--checkpoint", str(path)), other, "audit log records no erasure"
    )


def test_checkpoint_with_a_changed_signature_or_content_is_refused(chains, tmp_path):
    path = tmp_path / "heads.json"
    assert verify("--write-checkpoint", str(path))[0] == 0
    data = json.loads(path.read_text())
    data["heads"][str(chains.contact.pk)]["count"] = 1
    path.write_text(json.dumps(data))
    status, _, err = verify("--checkpoint", str(path))
    assert status == 1 and "does not verify" in err
