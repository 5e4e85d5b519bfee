"""Revoking asks first and asks why: one assignment from the contact, or a purpose in bulk."""

from __future__ import annotations

import pytest
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.helpers.markup import visible_text
from tests.helpers.rights import bulk_url
from tests.helpers.users import make_user
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ConsentRecord, PurposeAssignment

pytestmark = pytest.mark.django_db


def revoke_url(pk: int) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_contact:revoke", args=[pk])


@pytest.fixture
def admin(client, superuser):
    client.force_login(superuser)
    return client


@pytest.fixture
def assignment(contact, purpose) -> PurposeAssignment:
    return assign_purpose(contact, purpose, source="form")[0]


def revocations() -> list[ConsentRecord]:
    return list(ConsentRecord.objects.filter(event="revoked").order_by("pk"))


def test_the_confirmation_says_what_happens_and_revokes_nothing(admin, assignment, contact):
    response = admin.get(revoke_url(assignment.pk))
    assert response.status_code == 200
    html = response.content.decode()
    text = visible_text(html)
    assert "Revoke a purpose: Newsletter" in text
    assert "The assignment stays as evidence" in text
    for reason in ("The person asked by e-mail or phone", "The person objected", "Other"):
        assert reason in text
    # Breadcrumbs lead back to the contact.
    inspect = reverse("wagtailsnippets_wagtail_gdpr_mail_contact:inspect", args=[contact.pk])
    assert f'href="{inspect}' in html
    assert PurposeAssignment.objects.get().revoked_at is None


def test_revoke_with_a_reason_keeps_it_in_the_record_and_on_the_assignment(
    admin, assignment, contact
):
    response = admin.post(
        revoke_url(assignment.pk),
        {"editor_reason": "other", "note": "Phoned the office on Monday"},
        follow=True,
    )
    assert "Purpose “Newsletter” revoked." in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert assignment.revocation_reason == "admin" and assignment.editor_reason == "other"
    (record,) = revocations()
    assert record.evidence["editor_reason"] == "other"
    assert record.evidence["note"] == "Phoned the office on Monday"
    # The note is evidence, not log material.
    entry = ModelLogEntry.objects.get(action="wagtail_gdpr_mail.revoke_purpose")
    assert "Phoned" not in str(entry.data)
    text = visible_text(admin.get(response.redirect_chain[-1][0]).content.decode())
    assert "Revoked by an editor · Other" in text


def test_missing_reason_shows_the_form_again(admin, assignment):
    response = admin.post(revoke_url(assignment.pk), {})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    other = admin.post(revoke_url(assignment.pk), {"editor_reason": "other", "note": "  "})
    assert other.status_code == 200
    assert "Say why, when the reason is “Other”." in other.content.decode()
    bogus = admin.post(revoke_url(assignment.pk), {"editor_reason": "because"})
    assert bogus.status_code == 200
    assert PurposeAssignment.objects.get().revoked_at is None and not revocations()


def test_unknown_assignment_is_404(admin, assignment):
    assert admin.get(revoke_url(assignment.pk + 100)).status_code == 404
    assert (
        admin.post(revoke_url(assignment.pk + 100), {"editor_reason": "asked"}).status_code == 404
    )


def test_already_revoked_and_double_submit_revoke_once(admin, assignment):
    admin.post(revoke_url(assignment.pk), {"editor_reason": "mistake"})
    again = admin.post(revoke_url(assignment.pk), {"editor_reason": "mistake"}, follow=True)
    assert "This purpose was already revoked." in again.content.decode()
    shown = admin.get(revoke_url(assignment.pk), follow=True)
    assert "This purpose was already revoked." in shown.content.decode()
    assert len(revocations()) == 1


def test_without_revoke_permission_the_confirmation_is_403(client, assignment, contact):
    client.force_login(make_user("looker", ["view_contact", "view_consent_proof"]))
    assert client.get(revoke_url(assignment.pk)).status_code == 403
    assert client.post(revoke_url(assignment.pk), {"editor_reason": "asked"}).status_code == 403
    assert client.get(bulk_url("revoke_purpose", contact)).status_code == 403
    assert PurposeAssignment.objects.get().revoked_at is None


def test_bulk_revoke_revokes_holders_and_reports_the_skipped(admin, make_contact, make_purpose):
    newsletter, webinars = make_purpose("Newsletter"), make_purpose("Webinars")
    holders = [make_contact(f"holder{i}@example.com") for i in range(2)]
    other = make_contact("other@example.com")
    for contact in holders:
        assign_purpose(contact, newsletter, source="form")
    assign_purpose(other, webinars, source="form")
    url = bulk_url("revoke_purpose", *holders, other)

    page = admin.get(url)
    assert page.status_code == 200
    assert "Revoke a purpose" in visible_text(page.content.decode())
    missing = admin.post(url, {"purpose": newsletter.pk, "editor_reason": "other"})
    assert "Say why, when the reason is “Other”." in missing.content.decode()
    assert not revocations()

    data = {"purpose": newsletter.pk, "editor_reason": "objected", "note": "Campaign feedback"}
    done = admin.post(url, data, follow=True)
    text = visible_text(done.content.decode())
    assert "“Newsletter” revoked from 2 contacts." in text
    assert "1 contact skipped" in text
    records = revocations()
    assert sorted(r.contact_id for r in records) == sorted(c.pk for c in holders)
    assert all(r.evidence["editor_reason"] == "objected" for r in records)
    assert PurposeAssignment.objects.filter(purpose=webinars, revoked_at__isnull=True).count() == 1
    entries = ModelLogEntry.objects.filter(action="wagtail_gdpr_mail.revoke_purpose_bulk")
    assert [e.data["revoked"] for e in entries] == [2]

    # A second submit revokes nothing and writes nothing.
    again = admin.post(url, data, follow=True)
    assert "3 contacts skipped" in visible_text(again.content.decode())
    assert len(revocations()) == 2 and entries.count() == 1


def test_bulk_revoke_with_an_unknown_purpose_is_a_form_error(admin, contact, purpose):
    assign_purpose(contact, purpose, source="form")
    response = admin.post(
        bulk_url("revoke_purpose", contact), {"purpose": "999999", "editor_reason": "asked"}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not revocations()
