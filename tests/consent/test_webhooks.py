"""ESP events arrive through Anymail's tracking signal: bounces and complaints suppress."""

from __future__ import annotations

import pytest
from anymail.signals import AnymailTrackingEvent, tracking

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.exceptions import SuppressedAddressError
from wagtail_gdpr_mail.models import Contact, PendingSignup, PurposeAssignment, Suppression


def send_event(event_type: str, recipient: str, **kwargs) -> None:
    event = AnymailTrackingEvent(
        event_type=event_type, recipient=recipient, event_id="evt-1", **kwargs
    )
    tracking.send(sender=object, event=event, esp_name="TestESP")


def test_hard_bounce_suppresses_the_address(db):
    send_event("bounced", "Gone@Example.com")
    assert Suppression.objects.get().reason == "bounced"
    assert Suppression.objects.is_suppressed("gone@example.com")
    with pytest.raises(SuppressedAddressError):
        Contact.objects.create(email="gone@example.com")


def test_complaint_suppresses_and_revokes_revocable_purposes(contact, make_purpose):
    newsletter = make_purpose("Newsletter", revocable_by_unsubscribe=True)
    invoices = make_purpose("Invoices", revocable_by_unsubscribe=False)
    assign_purpose(contact, newsletter, source="admin")
    assign_purpose(contact, invoices, source="admin")
    send_event("complained", contact.email)
    assert Suppression.objects.get().reason == "complained"
    newsletter_assignment = PurposeAssignment.objects.get(purpose=newsletter)
    assert newsletter_assignment.revocation_reason == "complaint"
    assert PurposeAssignment.objects.get(purpose=invoices).revoked_at is None
    assert contact.consent_records.filter(event="revoked").count() == 1


def test_bounce_of_a_confirmation_mail_marks_the_signup_failed(db):
    from django.utils import timezone

    signup = PendingSignup.objects.create(
        email="typo@exmaple.com",
        email_index="x",
        form_id="f",
        expires_at=timezone.now(),
        mail_status=PendingSignup.MailStatus.SENT,
    )
    send_event("bounced", "typo@exmaple.com", metadata={"gdpr_mail_signup": str(signup.pk)})
    signup.refresh_from_db()
    assert signup.mail_status == PendingSignup.MailStatus.FAILED


@pytest.mark.parametrize("event_type", ["delivered", "opened", "deferred", "clicked"])
def test_other_events_change_nothing(db, event_type):
    send_event(event_type, "someone@example.com")
    assert not Suppression.objects.exists()
