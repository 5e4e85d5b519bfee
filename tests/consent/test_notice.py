"""The legitimate-interest notice: an admin action on the purpose sends it to every valid
holder (not suppressed), records it per contact with the mail as sent; its "object" link
ends the processing (GET shows, POST acts) and records the objection (Art. 21)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.urls import reverse
from wagtail.models import ModelLogEntry

from tests.helpers.links import OBJECT_LINK, object_path
from tests.helpers.rights import VISITOR_IP, after_commit, post, visitor_client
from tests.helpers.users import make_user
from wagtail_gdpr_mail import audit
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.consent.notice import queue_notices
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    ContactSource,
    InterestNotice,
    LegalBasis,
    PurposeAssignment,
    Suppression,
)
from wagtail_gdpr_mail.rights.erasure import ErasureMode, erase_contact

Event = ConsentRecord.Event


@pytest.fixture
def analytics(make_purpose):
    return make_purpose(
        "Customer care mail",
        legal_basis=LegalBasis.objects.get(code="legitimate_interest"),
        visitor_text="Tips for the product you bought from us.",
    )


@pytest.fixture
def holders(analytics, make_contact):
    people = [make_contact(f"holder{i}@example.com") for i in range(3)]
    assignments = [assign_purpose(p, analytics, source=ContactSource.IMPORT)[0] for p in people]
    revoke_assignment(assignments[2], reason=PurposeAssignment.RevocationReason.ADMIN)
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="holder1@example.com")
    return assignments


def notice_url(purpose) -> str:
    return reverse("wagtailsnippets_wagtail_gdpr_mail_processingpurpose:notice", args=[purpose.pk])


def send_from_admin(client, purpose):
    page = client.get(notice_url(purpose))
    assert page.status_code == 200
    batch = re.search(rb'name="batch" value="([^"]+)"', page.content).group(1).decode()
    with after_commit():
        return client.post(notice_url(purpose), {"batch": batch}), batch


def test_the_admin_action_sends_the_notice_to_valid_unsuppressed_holders_and_records_it(
    client, superuser, analytics, holders
):
    client.force_login(superuser)
    page = client.get(notice_url(analytics))
    assert b"data-gdpr-mail-notice-recipients" in page.content
    assert b"Tips for the product" in page.content  # the preview
    assert b"holder0@example.com" not in page.content  # for a sample address
    response, batch = send_from_admin(client, analytics)
    assert response.status_code == 302
    (message,) = mail.outbox
    assert message.to == ["holder0@example.com"]
    assert "Customer care mail" in message.body
    assert "Tips for the product you bought from us." in message.body
    assert "3 years" in message.body
    assert "Art. 21" in message.body
    assert OBJECT_LINK.search(message.body)
    record = ConsentRecord.objects.get(event=Event.NOTICE_SENT)
    assert record.assignment == holders[0]
    assert record.evidence["mail"]["subject"] == message.subject
    assert "[objection link]" in record.evidence["mail"]["text"]
    assert object_path(message).split("/")[-2] not in str(record.evidence)
    entry = ModelLogEntry.objects.get(action=audit.SEND_NOTICE)
    assert entry.data == {"batch": batch, "recipients": 1}
    # The same form sent again (a double click): nobody gets a second notice.
    with after_commit():
        client.post(notice_url(analytics), {"batch": batch})
        assert queue_notices(analytics.pk, batch) == 0
    assert len(mail.outbox) == 1
    assert InterestNotice.objects.count() == 1


def test_purposes_not_on_legitimate_interest_are_refused_with_a_message(
    client, superuser, purpose, contact
):
    assign_purpose(contact, purpose, source=ContactSource.FORM)
    client.force_login(superuser)
    response = client.get(notice_url(purpose), follow=True)
    assert b"not based on legitimate interest" in response.content
    with after_commit():
        client.post(notice_url(purpose), {"batch": "6f1c7d4e-8a51-4f4a-9a62-2f1b0a3c9d10"})
    assert mail.outbox == []
    assert queue_notices(purpose.pk, "6f1c7d4e-8a51-4f4a-9a62-2f1b0a3c9d10") == 0


def test_the_action_needs_the_permission_to_change_purposes(client, analytics, holders):
    client.force_login(make_user("looker", ["view_processingpurpose", "view_contact"]))
    assert client.get(notice_url(analytics)).status_code == 403
    assert client.post(notice_url(analytics), {"batch": "x"}).status_code == 403
    assert mail.outbox == []


def test_the_listing_offers_the_action_only_on_legitimate_interest_purposes(
    client, superuser, analytics, purpose
):
    client.force_login(superuser)
    body = client.get(reverse("wagtailsnippets_wagtail_gdpr_mail_processingpurpose:list"))
    assert notice_url(analytics).encode() in body.content
    assert notice_url(purpose).encode() not in body.content


def test_the_object_link_shows_on_get_and_ends_the_processing_on_post(
    client, superuser, analytics, holders
):
    client.force_login(superuser)
    send_from_admin(client, analytics)
    path = object_path(mail.outbox[0])
    visitor = visitor_client()
    page = visitor.get(path)
    assert page.status_code == 200 and b"data-gdpr-mail-object" in page.content
    holders[0].refresh_from_db()
    assert holders[0].revoked_at is None

    done = post(visitor, path)
    assert done.status_code == 200 and b"data-gdpr-mail-objected" in done.content
    holders[0].refresh_from_db()
    assert holders[0].revocation_reason == PurposeAssignment.RevocationReason.OBJECTION
    record = ConsentRecord.objects.get(event=Event.REVOKED, assignment=holders[0])
    assert record.evidence["reason"] == "objection"
    assert record.evidence["objection"]["ip"] == VISITOR_IP
    assert ModelLogEntry.objects.filter(action=audit.OBJECTION).count() == 1

    again = post(visitor, path)
    unknown = post(visitor, "/gdpr-mail/object/not-a-token/")
    assert again.status_code == unknown.status_code == 404
    assert again.content == unknown.content
    assert ConsentRecord.objects.filter(event=Event.REVOKED, assignment=holders[0]).count() == 1


def test_erasure_takes_the_notices_with_their_mail(client, superuser, analytics, holders):
    client.force_login(superuser)
    send_from_admin(client, analytics)
    assert InterestNotice.objects.get().mail_snapshot
    erase_contact(holders[0].contact, ErasureMode.ANONYMISE)
    assert not InterestNotice.objects.exists()
