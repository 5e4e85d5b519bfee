"""ESP events of campaign mail, posted as SendGrid, Postmark and Mailgun post them through
Anymail's own webhook views: onto the delivery row and the campaign's statistics; a hard bounce
or a complaint suppresses; an unsubscribe at the ESP ends the campaign's purpose."""

from __future__ import annotations

import pytest

from tests.helpers.deliveries import (
    TRACKING_PURPOSE,
    make_campaign,
    make_delivery,
    tracking_purpose,
)
from tests.helpers.esp_webhooks import WHEN, mailgun_settings, post_event, post_payload, postmark
from wagtail_gdpr_mail.consent.assignments import assign_purpose, revoke_assignment
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    Contact,
    ContactSource,
    Delivery,
    PurposeAssignment,
    Suppression,
)
from wagtail_gdpr_mail.rights.erasure import erase_contacts

pytestmark = pytest.mark.django_db

ESPS = ["sendgrid", "postmark", "mailgun"]


@pytest.fixture(autouse=True)
def _mailgun_signing_key(settings):
    mailgun_settings(settings)


@pytest.fixture
def newsletter(make_purpose):
    return make_purpose("Newsletter", revocable_by_unsubscribe=True)


@pytest.fixture
def delivery(contact, newsletter, make_purpose, settings):
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    assign_purpose(contact, tracking_purpose(make_purpose, settings), source=ContactSource.FORM)
    row, _token = make_delivery(make_campaign(newsletter), contact, tracked=True)
    return row


def fresh(row: Delivery) -> Delivery:
    return Delivery.objects.get(pk=row.pk)


@pytest.mark.parametrize("esp", ESPS)
def test_delivered_lands_on_the_row_and_in_the_statistics(esp, delivery, contact):
    post_event(esp, "delivered", contact.email, delivery=delivery)
    row = fresh(delivery)
    assert row.delivered_at == WHEN
    assert row.last_event == "delivered"
    assert delivery.campaign.statistics()["events"]["delivered"] == 1


@pytest.mark.parametrize("esp", ESPS)
def test_a_repeated_webhook_keeps_the_first_time(esp, delivery, contact):
    post_event(esp, "delivered", contact.email, delivery=delivery)
    post_event(esp, "delivered", contact.email, delivery=delivery, seconds=60, n=2)
    assert fresh(delivery).delivered_at == WHEN
    assert delivery.campaign.statistics()["events"]["delivered"] == 1


@pytest.mark.parametrize("esp", ESPS)
def test_the_last_event_is_the_latest_whatever_order_webhooks_arrive_in(esp, delivery, contact):
    post_event(esp, "opened", contact.email, delivery=delivery, seconds=120)
    post_event(esp, "delivered", contact.email, delivery=delivery)
    row = fresh(delivery)
    assert row.last_event == "opened"
    assert row.delivered_at == WHEN


@pytest.mark.parametrize("esp", ESPS)
def test_deferred_is_only_the_last_event(esp, delivery, contact):
    post_event(esp, "deferred", contact.email, delivery=delivery)
    row = fresh(delivery)
    assert row.last_event == "deferred"
    assert row.bounced_at is None
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("esp", ESPS)
def test_a_hard_bounce_suppresses_and_counts(esp, delivery, contact):
    post_event(esp, "bounced", contact.email, delivery=delivery)
    assert fresh(delivery).bounced_at == WHEN
    assert Suppression.objects.get().reason == Suppression.Reason.BOUNCED
    assert delivery.campaign.statistics()["events"]["bounced"] == 1


@pytest.mark.parametrize("esp", ESPS)
def test_a_complaint_suppresses_and_ends_the_campaigns_purpose(esp, make_purpose, contact):
    # Unsubscribing may not revoke this purpose; a complaint still ends it for this campaign.
    offers = make_purpose("Offers", revocable_by_unsubscribe=False)
    assign_purpose(contact, offers, source=ContactSource.FORM)
    row, _token = make_delivery(make_campaign(offers), contact)
    post_event(esp, "complained", contact.email, delivery=row)
    assert fresh(row).complained_at == WHEN
    assert Suppression.objects.get().reason == Suppression.Reason.COMPLAINED
    ended = PurposeAssignment.objects.get(contact=contact, purpose=offers)
    assert ended.revocation_reason == PurposeAssignment.RevocationReason.COMPLAINT
    record = contact.consent_records.get(event=ConsentRecord.Event.REVOKED)
    assert record.evidence["campaign_id"] == row.campaign_id
    assert record.evidence["esp"] in ("SendGrid", "Postmark", "Mailgun")


@pytest.mark.parametrize("esp", ESPS)
def test_an_unsubscribe_at_the_esp_revokes_the_purpose(esp, delivery, contact):
    post_event(esp, "unsubscribed", contact.email, delivery=delivery)
    assert fresh(delivery).unsubscribed_at == WHEN
    ended = PurposeAssignment.objects.get(contact=contact, purpose=delivery.campaign.purpose)
    assert ended.revocation_reason == PurposeAssignment.RevocationReason.UNSUBSCRIBED
    record = contact.consent_records.get(event=ConsentRecord.Event.REVOKED)
    assert record.evidence["delivery_id"] == delivery.pk
    assert record.evidence["message_id"] == delivery.message_id
    # Unsubscribing is not a bounce: the address may still get other mail.
    assert not Suppression.objects.exists()


@pytest.mark.parametrize("esp", ESPS)
def test_where_the_campaign_may_not_revoke_an_unsubscribe_is_an_objection(esp, delivery, contact):
    delivery.campaign.unsubscribe_revokes_purpose = False
    delivery.campaign.save()
    post_event(esp, "unsubscribed", contact.email, delivery=delivery)
    ended = PurposeAssignment.objects.get(contact=contact, purpose=delivery.campaign.purpose)
    assert ended.revocation_reason == PurposeAssignment.RevocationReason.OBJECTION


def test_an_unsubscribe_twice_ends_the_purpose_once(delivery, contact):
    post_event("sendgrid", "unsubscribed", contact.email, delivery=delivery)
    post_event("postmark", "unsubscribed", contact.email, delivery=delivery)
    assert contact.consent_records.filter(event=ConsentRecord.Event.REVOKED).count() == 1


@pytest.mark.parametrize("esp", ESPS)
def test_an_event_without_metadata_finds_its_row_by_message_id(esp, delivery, contact):
    post_event(esp, "delivered", contact.email, message_id=delivery.message_id)
    assert fresh(delivery).delivered_at == WHEN


@pytest.mark.parametrize("esp", ESPS)
def test_opens_and_clicks_count_for_tracked_recipients(esp, delivery, contact):
    post_event(esp, "clicked", contact.email, delivery=delivery)
    row = fresh(delivery)
    assert row.clicked_at == WHEN
    assert row.opened_at == WHEN  # clicking means it was opened
    tracked = delivery.campaign.statistics()["events"]["tracked"]
    assert (tracked["opened"], tracked["clicked"]) == (1, 1)


def test_opens_after_the_tracking_consent_was_withdrawn_are_not_recorded(delivery, contact):
    held = PurposeAssignment.objects.get(contact=contact, purpose__name=TRACKING_PURPOSE)
    revoke_assignment(held, reason=PurposeAssignment.RevocationReason.WITHDRAWN)
    post_event("postmark", "opened", contact.email, delivery=delivery)
    assert fresh(delivery).opened_at is None


@pytest.mark.parametrize("esp", ESPS)
def test_opens_and_clicks_of_untracked_recipients_leave_no_trace(esp, make_contact, newsletter):
    person = make_contact("untracked@example.com")
    assign_purpose(person, newsletter, source=ContactSource.FORM)
    row, _token = make_delivery(make_campaign(newsletter), person, tracked=False)
    post_event(esp, "delivered", person.email, delivery=row)
    post_event(esp, "opened", person.email, delivery=row, seconds=10)
    post_event(esp, "clicked", person.email, delivery=row, seconds=20)
    row = fresh(row)
    assert (row.opened_at, row.clicked_at) == (None, None)
    assert row.last_event == "delivered"
    events = row.campaign.statistics()["events"]
    assert events["untracked"] == {
        "recipients": 1,
        "delivered": 1,
        "bounced": 0,
        "complained": 0,
        "unsubscribed": 0,
    }
    assert events["opened"] == events["clicked"] == 0


def test_events_of_other_mail_change_no_delivery(delivery, contact):
    post_event("sendgrid", "delivered", contact.email)
    assert fresh(delivery).delivered_at is None


def test_statistics_survive_the_erasure_of_the_contact(delivery, contact):
    post_event("sendgrid", "delivered", contact.email, delivery=delivery)
    post_event("sendgrid", "opened", contact.email, delivery=delivery, seconds=5)
    before = delivery.campaign.statistics()
    erase_contacts([contact], "delete")
    assert not Contact.objects.filter(pk=contact.pk).exists()
    assert fresh(delivery).contact_id is None
    assert delivery.campaign.statistics() == before
    assert before["events"]["delivered"] == before["events"]["opened"] == 1


def test_metadata_naming_no_delivery_changes_nothing(delivery, contact):
    body = postmark("delivered", contact.email).replace(
        '"Metadata": {}', '"Metadata": {"gdpr_mail_delivery": "%s"}' % ("9" * 40)
    )
    post_payload("postmark", body)
    assert fresh(delivery).delivered_at is None
