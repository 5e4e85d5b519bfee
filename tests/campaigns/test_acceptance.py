"""Issue 12's acceptance scenario: who receives the demo campaign, the RFC 8058 headers,
the unsubscribe link (GET changes nothing, a cookieless one-click POST revokes), and a
second campaign for the same purpose."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from wagtail.models import Site

from tests.campaigns.conftest import recipients_of, send_now
from tests.helpers.html_forms import parse_forms
from tests.helpers.links import confirm_path
from tests.helpers.pages import publish_test_page
from tests.helpers.subscribing import form_value, make_visitor, press_confirm, subscribe
from wagtail_gdpr_mail.campaigns import recipients
from wagtail_gdpr_mail.campaigns.demo import DEMO_NAME, demo_campaign
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import (
    Campaign,
    ConsentRecord,
    Contact,
    ContactSource,
    DeliveryStatus,
    ListMembership,
    PurposeAssignment,
    Suppression,
)

VISITOR = "kvetoslava.nova@example.cz"


@pytest.fixture
def shop(purpose, contact_list, settings):
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    page = publish_test_page([form_value(main=purpose, target_list=contact_list, form_id="f" * 32)])
    Site.objects.filter(is_default_site=True).update(hostname="shop.example.cz", port=443)
    return page


def _visitor_subscribes_and_confirms(page) -> Contact:
    visitor = make_visitor()
    subscribe(visitor, page.url, "f" * 32, email=VISITOR, first_name="Květoslava")
    (confirmation,) = mail.outbox
    press_confirm(visitor, confirm_path(confirmation))
    return Contact.objects.by_email(VISITOR).get()


def _member(make_contact, contact_list, email):
    person = make_contact(email)
    ListMembership.objects.create(contact=person, contact_list=contact_list)
    return person


def test_only_a_confirmed_holder_of_the_purpose_gets_the_demo_campaign_and_can_unsubscribe(
    shop, purpose, contact_list, make_contact
):
    visitor = _visitor_subscribes_and_confirms(shop)
    _member(make_contact, contact_list, "no.purpose@example.com")
    expired = _member(make_contact, contact_list, "expired@example.com")
    assign_purpose(
        expired,
        purpose,
        source=ContactSource.IMPORT,
        valid_from=timezone.now() - timedelta(days=4 * 366),
    )
    suppressed = _member(make_contact, contact_list, "bounced@example.com")
    assign_purpose(suppressed, purpose, source=ContactSource.IMPORT)
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="bounced@example.com")

    campaign = demo_campaign(purpose, contact_list)
    assert campaign.name == DEMO_NAME
    counted = recipients.count(campaign)
    assert (counted.recipients, counted.no_valid_purpose, counted.suppressed) == (1, 2, 1)

    mail.outbox.clear()
    assert send_now(campaign) == 1
    assert recipients_of() == [VISITOR]
    (message,) = mail.outbox
    params = message.anymail_test_params
    headers = {**params["extra_headers"], **params["merge_headers"][VISITOR]}
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = headers["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://shop.example.cz/gdpr-mail/campaigns/unsubscribe/")
    token = params["merge_data"][VISITOR]["gdpr_token"]
    assert token in link and VISITOR not in link
    # The footer's link is the same one, filled in by the ESP from the merge data.
    assert "/gdpr-mail/campaigns/unsubscribe/{{gdpr_token}}/" in message.alternatives[0][0]

    path = urlsplit(link).path
    page = Client().get(path)
    assert page.status_code == 200
    assert "Unsubscribe" in page.content.decode()
    (form,) = [f for f in parse_forms(page.content.decode()) if f.method == "post"]
    assignment = PurposeAssignment.objects.get(contact=visitor, purpose=purpose)
    assert assignment.revoked_at is None and assignment.is_valid_at(timezone.now())

    records = ConsentRecord.objects.filter(contact=visitor).count()
    mailbox_provider = Client(enforce_csrf_checks=True)
    answer = mailbox_provider.post(path, {"List-Unsubscribe": "One-Click"})
    assert answer.status_code == 200
    assert not answer.cookies
    assignment.refresh_from_db()
    assert assignment.revoked_at is not None
    assert assignment.revocation_reason == PurposeAssignment.RevocationReason.UNSUBSCRIBED
    record = ConsentRecord.objects.filter(contact=visitor).latest("pk")
    assert record.event == ConsentRecord.Event.REVOKED
    delivery = campaign.deliveries.get()
    assert record.evidence["campaign_id"] == campaign.pk
    assert record.evidence["delivery_id"] == delivery.pk
    assert record.evidence["message_id"] == delivery.message_id != ""
    assert record.evidence["one_click"] is True

    again = Client(enforce_csrf_checks=True).post(path, {"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200
    assert ConsentRecord.objects.filter(contact=visitor).count() == records + 1

    second = Campaign.objects.create(
        name="Second newsletter", subject="More news", purpose=purpose, body=campaign.body.raw_data
    )
    second.target_lists.add(contact_list)
    mail.outbox.clear()
    assert send_now(second) == 0
    assert mail.outbox == []
    assert not second.deliveries.filter(contact=visitor).exists()


def test_unknown_and_malformed_tokens_get_a_friendly_page(db):
    for token in ["nope", "x" * 500, "%00", "%C3%A9%3Cscript%3E"]:
        for method in ("get", "post"):
            response = getattr(Client(enforce_csrf_checks=True), method)(
                f"/gdpr-mail/campaigns/unsubscribe/{token}/"
            )
            assert response.status_code in (404,), (token, method, response.status_code)
            assert "link" in response.content.decode().lower()


def test_statistics_survive_erasure(campaign, subscriber):
    from wagtail_gdpr_mail.rights.erasure import erase_contact  # noqa: PLC0415

    people = [subscriber(f"p{i}@example.com") for i in range(3)]
    send_now(campaign)
    erase_contact(people[0], "anonymise")
    erase_contact(people[1], "delete")
    campaign.refresh_from_db()
    stats = campaign.statistics()
    assert stats["sent"] == 3 and stats["total"] == 3
    assert campaign.deliveries.filter(contact__isnull=True).count() == 2
    assert campaign.deliveries.filter(status=DeliveryStatus.SENT).count() == 3
