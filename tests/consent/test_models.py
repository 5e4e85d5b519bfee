"""Purposes, assignments and the consent log: the rules an editor relies on."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone

from wagtail_gdpr_mail import signals
from wagtail_gdpr_mail.consent.assignments import (
    ValidFrom,
    assign_purpose,
    assign_purpose_to_list,
    revoke_assignment,
)
from wagtail_gdpr_mail.exceptions import ConsentRecordError
from wagtail_gdpr_mail.models import (
    GENESIS_HASH,
    ConsentRecord,
    Contact,
    ContactSource,
    LegalBasis,
    ProcessingPurpose,
    PurposeAssignment,
    RetentionUnit,
)
from wagtail_gdpr_mail.models.purposes import add_period


def test_the_six_legal_bases_are_seeded(db):
    assert sorted(LegalBasis.objects.values_list("code", flat=True)) == sorted(
        LegalBasis.Code.values
    )
    consent = LegalBasis.objects.get(code="consent")
    assert consent.article == "Art. 6(1)(a) GDPR"
    assert consent.requires_consent


def test_seeded_legal_basis_titles_show_in_czech(db):
    from django.utils import translation

    with translation.override("cs"):
        assert str(LegalBasis.objects.get(code="consent")) == "Souhlas"


@pytest.mark.parametrize(
    ("start", "amount", "unit", "expected"),
    [
        (
            datetime(2024, 1, 31, tzinfo=UTC),
            1,
            RetentionUnit.MONTHS,
            datetime(2024, 2, 29, tzinfo=UTC),
        ),
        (
            datetime(2024, 2, 29, tzinfo=UTC),
            3,
            RetentionUnit.YEARS,
            datetime(2027, 2, 28, tzinfo=UTC),
        ),
        (
            datetime(2024, 11, 15, tzinfo=UTC),
            2,
            RetentionUnit.MONTHS,
            datetime(2025, 1, 15, tzinfo=UTC),
        ),
        (
            datetime(2024, 1, 1, tzinfo=UTC),
            10,
            RetentionUnit.DAYS,
            datetime(2024, 1, 11, tzinfo=UTC),
        ),
    ],
)
def test_retention_is_calendar_arithmetic(start, amount, unit, expected):
    assert add_period(start, amount, unit) == expected


def test_assignment_lasts_for_the_purpose_retention(contact, purpose):
    start = timezone.now()
    assignment, created = assign_purpose(
        contact, purpose, source=ContactSource.ADMIN, valid_from=start
    )
    assert created
    assert assignment.valid_until == add_period(start, 3, RetentionUnit.YEARS)
    unlimited = ProcessingPurpose.objects.create(
        name="Invoices", legal_basis=purpose.legal_basis, retention_amount=None, visitor_text="x"
    )
    forever, _ = assign_purpose(contact, unlimited, source=ContactSource.ADMIN)
    assert forever.valid_until is None
    assert forever.is_valid_at(start + timedelta(days=365 * 100))


def test_validity_window(contact, purpose):
    now = timezone.now()
    assignment, _ = assign_purpose(
        contact, purpose, source=ContactSource.ADMIN, valid_from=now - timedelta(days=10)
    )
    assert assignment.is_valid_at(now)
    assert not assignment.is_valid_at(now - timedelta(days=11))
    assert not assignment.is_valid_at(assignment.valid_until)
    assert list(PurposeAssignment.objects.valid_at(now)) == [assignment]
    assert not PurposeAssignment.objects.valid_at(assignment.valid_until).exists()


def test_assigning_twice_renews_instead_of_doubling(contact, purpose):
    first, created = assign_purpose(
        contact,
        purpose,
        source=ContactSource.ADMIN,
        valid_from=timezone.now() - timedelta(days=400),
    )
    old_until = first.valid_until
    second, created_again = assign_purpose(contact, purpose, source=ContactSource.FORM)
    assert created and not created_again
    assert second.pk == first.pk
    assert second.valid_until > old_until
    assert PurposeAssignment.objects.filter(contact=contact).count() == 1
    events = list(ConsentRecord.objects.filter(contact=contact).values_list("event", flat=True))
    assert events == ["given", "renewed"]


def test_only_one_current_assignment_per_purpose_in_the_database(contact, purpose):
    assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    with pytest.raises(IntegrityError), transaction.atomic():
        PurposeAssignment.objects.create(
            contact=contact, purpose=purpose, valid_from=timezone.now(), source="admin"
        )


def test_revoking_keeps_the_assignment_and_records_it(
    contact, purpose, django_capture_on_commit_callbacks
):
    received = []
    signals.consent_revoked.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="t")
    try:
        assignment, _ = assign_purpose(contact, purpose, source=ContactSource.ADMIN)
        with django_capture_on_commit_callbacks(execute=True):
            assert revoke_assignment(assignment, reason="admin")
        assert not revoke_assignment(assignment, reason="admin")  # a second click changes nothing
    finally:
        signals.consent_revoked.disconnect(dispatch_uid="t")
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert not assignment.is_valid
    assert PurposeAssignment.objects.filter(pk=assignment.pk).exists()
    assert [r.event for r in contact.consent_records.all()] == ["given", "revoked"]
    assert len(received) == 1 and received[0]["assignment"].pk == assignment.pk
    # After revoking, the purpose can be given again: a new assignment, the old one stays.
    again, created = assign_purpose(contact, purpose, source=ContactSource.FORM)
    assert created and again.pk != assignment.pk
    assert PurposeAssignment.objects.filter(contact=contact).count() == 2


def test_consent_given_signal_fires_after_commit(
    contact, purpose, django_capture_on_commit_callbacks
):
    received = []
    signals.consent_given.connect(lambda **kw: received.append(kw), weak=False, dispatch_uid="g")
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            assign_purpose(contact, purpose, source=ContactSource.ADMIN)
        assert received == []
        for callback in callbacks:
            callback()
    finally:
        signals.consent_given.disconnect(dispatch_uid="g")
    assert len(received) == 1
    assert received[0]["created"] is True
    assert received[0]["record"].event == "given"


def test_consent_records_form_a_hash_chain(contact, purpose, make_purpose):
    assign_purpose(contact, purpose, source=ContactSource.ADMIN, evidence={"ip": "198.51.100.1"})
    other = make_purpose("Competitions")
    assignment, _ = assign_purpose(contact, other, source=ContactSource.ADMIN)
    revoke_assignment(assignment, reason="admin")
    records = list(contact.consent_records.order_by("pk"))
    assert records[0].previous_hash == GENESIS_HASH
    for previous, record in zip(records, records[1:], strict=False):
        assert record.previous_hash == previous.record_hash
    for record in records:
        assert record.record_hash == record.compute_hash()
    assert records[0].purpose_revision == purpose.latest_revision


def test_consent_records_are_append_only(contact, purpose):
    assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    record = contact.consent_records.get()
    record.event = "revoked"
    with pytest.raises(ConsentRecordError):
        record.save()
    with pytest.raises(ConsentRecordError):
        record.delete()
    assert contact.consent_records.get().event == "given"


def test_record_points_at_the_purpose_version_the_contact_saw(contact, purpose):
    assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    seen = contact.consent_records.get().purpose_revision
    purpose.visitor_text = "A different text"
    purpose.save()
    purpose.save_revision(log_action=False)
    assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    first, second = contact.consent_records.order_by("pk")
    assert first.purpose_revision == seen
    assert second.purpose_revision != seen
    assert second.purpose_revision.content["visitor_text"] == "A different text"
    assert seen.content["visitor_text"] == "We will send you our newsletter."


def test_queryset_filters(make_contact, make_purpose, contact_list):
    newsletter, competitions = make_purpose("Newsletter"), make_purpose("Competitions", years=None)
    now = timezone.now()
    holds_both = make_contact("both@example.com")
    expiring = make_contact("expiring@example.com")
    make_contact("nothing@example.com")
    revoked = make_contact("revoked@example.com")
    expired = make_contact("expired@example.com")
    assign_purpose(holds_both, newsletter, source="admin")
    assign_purpose(holds_both, competitions, source="admin")
    assign_purpose(
        expiring, newsletter, source="admin", valid_from=now - timedelta(days=3 * 365 - 10)
    )
    assignment, _ = assign_purpose(revoked, newsletter, source="admin")
    revoke_assignment(assignment, reason="admin")
    assign_purpose(expired, newsletter, source="admin", valid_from=now - timedelta(days=4 * 365))
    contact_list.memberships.create(contact=expiring)

    def emails(qs):
        return sorted(c.email.split("@")[0] for c in qs)

    assert emails(Contact.objects.with_valid_purpose(newsletter)) == ["both", "expiring"]
    assert emails(Contact.objects.without_any_valid_purpose()) == ["expired", "nothing", "revoked"]
    assert emails(Contact.objects.without_valid_purpose(competitions)) == [
        "expired",
        "expiring",
        "nothing",
        "revoked",
    ]
    assert emails(Contact.objects.with_purpose_expiring_within(30)) == ["expiring"]
    assert emails(Contact.objects.in_list(contact_list)) == ["expiring"]


@pytest.mark.parametrize("mode", [ValidFrom.NOW, ValidFrom.JOINED, ValidFrom.DATE])
def test_assign_purpose_to_every_contact_of_a_list(mode, make_contact, contact_list, purpose):
    now = timezone.now()
    chosen = now - timedelta(days=5)
    joined = {}
    for days in (100, 40):
        person = make_contact()
        joined[person.pk] = contact_list.memberships.create(
            contact=person, added_at=now - timedelta(days=days)
        ).added_at
    outsider = make_contact("outsider@example.com")
    result = assign_purpose_to_list(
        contact_list, purpose, valid_from=mode, date=chosen if mode == ValidFrom.DATE else None
    )
    assert (result.assigned, result.renewed) == (2, 0)
    for assignment in PurposeAssignment.objects.all():
        expected = {
            ValidFrom.NOW: None,
            ValidFrom.JOINED: joined[assignment.contact_id],
            ValidFrom.DATE: chosen,
        }[mode]
        if expected is None:
            assert abs(assignment.valid_from - now) < timedelta(seconds=5)
        else:
            assert assignment.valid_from == expected
    assert not outsider.assignments.exists()
    assert ConsentRecord.objects.count() == 2
    again = assign_purpose_to_list(contact_list, purpose)
    assert (again.assigned, again.renewed) == (0, 2)


def test_list_assignment_with_a_chosen_date_needs_the_date(contact_list, purpose):
    with pytest.raises(ValueError, match="date"):
        assign_purpose_to_list(contact_list, purpose, valid_from=ValidFrom.DATE)


def test_purpose_in_use_cannot_be_deleted(contact, purpose):
    from django.db.models import ProtectedError

    assign_purpose(contact, purpose, source="admin")
    with pytest.raises(ProtectedError):
        purpose.delete()


def test_deleting_a_contact_removes_its_evidence(contact, purpose):
    assign_purpose(contact, purpose, source="admin")
    contact.delete()
    assert not ConsentRecord.objects.exists()
    assert not PurposeAssignment.objects.exists()


def test_str_of_a_contact_holds_no_personal_data(contact):
    assert "jana" not in str(contact).lower()
    assert str(contact.pk) in str(contact)


def test_no_missing_migrations(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_migrations_stay_compatible_with_wagtail_7_0():
    """makemigrations on Wagtail 8 writes references Wagtail 7.0 does not have."""
    from pathlib import Path

    import wagtail_gdpr_mail

    roots = [Path(wagtail_gdpr_mail.__file__).parent / "migrations"]
    tests = Path(__file__).resolve().parent.parent
    roots.append(tests.parent / "example_site" / "home" / "migrations")
    roots.append(tests / "test_project" / "migrations")
    for migration in (path for root in roots for path in root.glob("0*.py")):
        text = migration.read_text()
        assert "WAGTAIL_PAGE_MODEL" not in text, migration.name
        assert "modelsearch" not in text, migration.name  # Wagtail 8's search package
        for number in __import__("re").findall(r"'wagtailcore', '(\d{4})_", text):
            assert int(number) <= 94, f"{migration.name} depends on wagtailcore {number}"
