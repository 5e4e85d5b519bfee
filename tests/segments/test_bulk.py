"""Bulk assign and revoke: batches through the chain writer, resumable without doubles."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import ModelLogEntry

from tests.helpers.segments import make_segment, rule
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.consent.verify import chain_problems
from wagtail_gdpr_mail.models import (
    BulkOperation,
    ConsentRecord,
    Contact,
    ListMembership,
    PurposeAssignment,
)
from wagtail_gdpr_mail.segments import bulk

pytestmark = pytest.mark.django_db


@pytest.fixture
def members(make_contact, contact_list):
    contacts = [make_contact() for _ in range(5)]
    for days, contact in enumerate(contacts):
        ListMembership.objects.create(
            contact=contact,
            contact_list=contact_list,
            added_at=timezone.now() - timedelta(days=10 + days),
        )
    return contacts


def test_a_killed_run_resumes_after_the_last_batch_without_doubles(
    members, purpose, contact_list, superuser
):
    segment = make_segment(rule("in_list", {"contact_list": contact_list.pk}))
    operation = bulk.create_operation(
        kind="assign",
        purpose=purpose,
        user=superuser,
        segment=segment,
        contact_list=contact_list,
        valid_from_mode="joined",
        note="Paper forms, trade fair 2026",
    )
    assert operation.total == 5
    assert bulk.run_batch(operation.pk, batch_size=2)  # then the worker "dies"
    operation.refresh_from_db()
    assert (operation.done, operation.state) == (2, "running")
    assert PurposeAssignment.objects.count() == 2
    bulk.run(operation.pk, batch_size=2)  # the redelivered task
    bulk.run(operation.pk, batch_size=2)  # and once more, after it finished
    operation.refresh_from_db()
    assert (operation.state, operation.done, operation.changed) == ("done", 5, 5)
    assert PurposeAssignment.objects.count() == 5
    assert ConsentRecord.objects.filter(event="given").count() == 5
    for contact in members:
        assignment = contact.assignments.get()
        joined = contact.memberships.get().added_at
        assert assignment.valid_from == joined
        record = ConsentRecord.objects.get(contact=contact)
        assert record.evidence["note"] == "Paper forms, trade fair 2026"
        assert record.actor_user_id == superuser.pk
        assert list(chain_problems(contact.pk)) == []
    entries = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.bulk_assign")
    assert entries.count() == 1
    assert entries.get().data["count"] == 5


def test_assigning_again_renews_and_revoking_keeps_the_rows(members, purpose, contact_list):
    assign_purpose(members[0], purpose, source="form")
    operation = bulk.create_operation(
        kind="assign", purpose=purpose, contact_list=contact_list, note="Import from the shop"
    )
    bulk.run(operation.pk)
    assert PurposeAssignment.objects.count() == 5
    assert ConsentRecord.objects.filter(event="renewed").count() == 1
    revoke = bulk.create_operation(
        kind="revoke", purpose=purpose, selected_ids=[c.pk for c in members[:2]], reason="mistake"
    )
    bulk.run(revoke.pk)
    revoke.refresh_from_db()
    assert revoke.changed == 2
    assert PurposeAssignment.objects.revoked().count() == 2
    assert PurposeAssignment.objects.count() == 5
    assert ConsentRecord.objects.filter(event="revoked").count() == 2
    assert ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.bulk_revoke").count() == 1


def test_a_chosen_date_and_a_deleted_target(members, purpose, contact_list):
    chosen = timezone.now() - timedelta(days=3)
    operation = bulk.create_operation(
        kind="assign",
        purpose=purpose,
        contact_list=contact_list,
        valid_from_mode="date",
        valid_from_date=chosen,
        note="Phone calls",
    )
    bulk.run(operation.pk)
    assert set(PurposeAssignment.objects.values_list("valid_from", flat=True)) == {chosen}
    segment = make_segment(rule("in_list", {"contact_list": contact_list.pk}))
    later = bulk.create_operation(kind="revoke", purpose=purpose, segment=segment, reason="mistake")
    segment.delete()
    bulk.run(later.pk)
    later.refresh_from_db()
    assert (later.state, later.done) == ("done", 0)
    assert Contact.objects.count() == 5


def test_joined_skips_contacts_outside_the_list(make_contact, members, purpose, contact_list):
    outsider = make_contact()
    operation = bulk.create_operation(
        kind="assign",
        purpose=purpose,
        selected_ids=[outsider.pk, members[0].pk],
        contact_list=contact_list,
        valid_from_mode="joined",
        note="Selection",
    )
    bulk.run(operation.pk)
    operation.refresh_from_db()
    assert (operation.changed, operation.skipped) == (1, 1)
    assert not outsider.assignments.exists()
    assert operation.state == BulkOperation.State.DONE


def test_bulk_records_are_salted_and_sealed_each_to_its_own_row(
    members, purpose, contact_list, django_capture_on_commit_callbacks
):
    from django.db import connection

    from wagtail_gdpr_mail import signals
    from wagtail_gdpr_mail.crypto import is_unreadable

    received = []

    def listener(sender, assignment, record, created, **kwargs):
        received.append((assignment.pk, record.pk, created))

    signals.consent_given.connect(listener, sender=PurposeAssignment)
    try:
        operation = bulk.create_operation(
            kind="assign", purpose=purpose, contact_list=contact_list, note="Trade fair"
        )
        with django_capture_on_commit_callbacks(execute=True):
            bulk.run(operation.pk)
    finally:
        signals.consent_given.disconnect(listener, sender=PurposeAssignment)
    records = list(ConsentRecord.objects.order_by("pk"))
    assert sorted(received) == sorted((r.assignment_id, r.pk, True) for r in records)
    assert len({r.evidence["salt"] for r in records}) == len({r.row_key for r in records}) == 5
    assert len({r.evidence_digest for r in records}) == 5
    first, second = records[:2]
    table = ConsentRecord._meta.db_table
    with connection.cursor() as cursor:  # a ciphertext copied into another row
        cursor.execute(
            f"UPDATE {table} SET evidence = (SELECT evidence FROM {table} WHERE id = %s) "  # noqa: S608
            "WHERE id = %s",
            [first.pk, second.pk],
        )
    assert is_unreadable(ConsentRecord.objects.get(pk=second.pk).evidence)
    assert ConsentRecord.objects.get(pk=first.pk).evidence["note"] == "Trade fair"
