"""Expiry enforces itself: validity follows the clock, and the daily task writes one
"expired" consent record per lapsed assignment, once."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.helpers.races import race
from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.consent.expiry import record_expiries
from wagtail_gdpr_mail.consent.verify import chain_problems
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ContactSource,
    PurposeAssignment,
    RetentionUnit,
)
from wagtail_gdpr_mail.schedule import BEAT_SCHEDULE, RECORD_EXPIRIES

Event = ConsentRecord.Event


def one_day(make_purpose, name: str):
    purpose = make_purpose(name, years=1)
    purpose.retention_unit = RetentionUnit.DAYS
    purpose.save()
    return purpose


def expired_records(**filters):
    return ConsentRecord.objects.filter(event=Event.EXPIRED, **filters)


@pytest.fixture
def lapsing(make_contact, make_purpose, clock):
    """Three contacts holding a one-day purpose, and one holding a three-year purpose."""
    short = one_day(make_purpose, "Webinar")
    long = make_purpose("Newsletter")
    people = [make_contact() for _ in range(3)]
    short_ones = [assign_purpose(p, short, source=ContactSource.FORM)[0] for p in people]
    long_one = assign_purpose(people[0], long, source=ContactSource.FORM)[0]
    return short_ones, long_one


def test_validity_lapses_with_the_clock_before_any_task_runs(lapsing, clock):
    short_ones, long_one = lapsing
    assert PurposeAssignment.objects.valid_at().count() == 4
    clock.advance(days=1, seconds=1)
    assert set(PurposeAssignment.objects.valid_at()) == {long_one}
    assert Contact.objects.with_valid_purpose(short_ones[0].purpose).count() == 0
    assert [a.status for a in short_ones] == ["expired"] * 3
    assert not expired_records().exists()


def test_the_task_writes_one_expired_record_per_lapsed_assignment_once(lapsing, clock):
    short_ones, long_one = lapsing
    assert record_expiries() == 0
    clock.advance(days=2)
    assert tasks.record_expiries() == 3
    assert record_expiries() == 0  # the second run (or a second worker) finds nothing left
    records = expired_records()
    assert sorted(r.assignment_id for r in records) == sorted(a.pk for a in short_ones)
    record = records.get(assignment=short_ones[0])
    assert record.occurred_at == short_ones[0].valid_until  # when it lapsed
    assert record.valid_until == short_ones[0].valid_until
    assert record.evidence["by"] == "expiry"
    assert not list(chain_problems(short_ones[0].contact_id))  # through the one chain writer


def test_revoked_and_unlimited_assignments_get_no_expiry_record(make_contact, make_purpose, clock):
    contact = make_contact()
    short = one_day(make_purpose, "Short")
    forever = make_purpose("Forever", years=None)
    revoked = assign_purpose(contact, short, source=ContactSource.ADMIN)[0]
    revoke_assignment(revoked, reason=PurposeAssignment.RevocationReason.ADMIN)
    assign_purpose(contact, forever, source=ContactSource.ADMIN)
    clock.advance(days=400)
    assert record_expiries() == 0


def test_a_run_is_bounded_and_the_next_one_carries_on(lapsing, clock):
    clock.advance(days=2)
    assert record_expiries(batch_size=1, max_records=2) == 2
    assert record_expiries(batch_size=1, max_records=2) == 1
    assert expired_records().count() == 3


def test_a_renewal_after_expiry_is_recorded_again_when_it_lapses_again(lapsing, clock):
    short_ones, _ = lapsing
    clock.advance(days=2)
    record_expiries()
    assignment = short_ones[0]
    assign_purpose(assignment.contact, assignment.purpose, source=ContactSource.RECONSENT)
    assert record_expiries() == 0
    clock.advance(days=2)
    assert record_expiries() == 1
    assert expired_records(assignment=assignment).count() == 2


def test_the_daily_beat_entry_and_the_command(lapsing, clock):
    entry = BEAT_SCHEDULE["wagtail-gdpr-mail-record-expiries"]
    assert entry["task"] == RECORD_EXPIRIES == tasks.record_expiries.name
    clock.advance(days=2)
    out = StringIO()
    call_command("gdpr_mail_record_expiries", stdout=out)
    assert "3" in out.getvalue()
    assert expired_records().count() == 3


def test_the_contact_detail_shows_expired(client, superuser, lapsing, clock):
    short_ones, _ = lapsing
    clock.advance(days=2)
    client.force_login(superuser)
    url = reverse(
        "wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[short_ones[1].contact_id]
    )
    body = client.get(url).content.decode()
    assert f'data-assignment="{short_ones[1].pk}" data-status="expired"' in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_at_once_write_each_expiry_record_once(make_contact, make_purpose, clock):
    purpose = one_day(make_purpose, "Short")
    for _ in range(40):
        assign_purpose(make_contact(), purpose, source=ContactSource.FORM)
    clock.advance(days=2)
    results = race(2, lambda _i: record_expiries(batch_size=5))
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 40
    assert expired_records().count() == 40
    assert expired_records().values("assignment").distinct().count() == 40
