"""At the same moment, on PostgreSQL: webhooks an ESP repeats, pixels loaded in several
tabs, withdrawals pressed twice — each lands once, with no error."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers.deliveries import (
    TRACKING_PURPOSE,
    make_campaign,
    make_delivery,
    preferences_path,
    tracking_purpose,
)
from tests.helpers.esp_webhooks import mailgun_settings, post_event
from tests.helpers.races import race
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ConsentRecord, ContactSource, Delivery, PurposeAssignment

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def sent(contact, make_purpose, settings):
    newsletter = make_purpose("Newsletter", revocable_by_unsubscribe=True)
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    assign_purpose(contact, tracking_purpose(make_purpose, settings), source=ContactSource.FORM)
    mailgun_settings(settings)
    return make_delivery(make_campaign(newsletter), contact, tracked=True)


def test_unsubscribes_reported_by_several_webhooks_at_once_end_the_purpose_once(sent, contact):
    delivery, _token = sent
    esps = ["sendgrid", "postmark", "mailgun"]
    results = race(
        6,
        lambda i: post_event(esps[i % 3], "unsubscribed", contact.email, delivery=delivery, n=i),
    )
    assert all(r is None for r in results), results
    revoked = contact.consent_records.filter(event=ConsentRecord.Event.REVOKED)
    assert revoked.count() == 1
    assert Delivery.objects.get(pk=delivery.pk).unsubscribed_at is not None


def test_a_pixel_loaded_in_many_tabs_at_once_counts_one_open(sent):
    delivery, token = sent
    results = race(8, lambda _i: Client().get(f"/gdpr-mail/o/{token}/").status_code)
    assert results == [200] * 8
    assert delivery.campaign.statistics()["events"]["tracked"]["opened"] == 1


def test_withdraw_pressed_in_two_tabs_at_once_withdraws_once(sent, contact):
    _delivery, token = sent
    held = PurposeAssignment.objects.get(contact=contact, purpose__name="Newsletter")
    url = f"{preferences_path(token)}withdraw/{held.pk}/"
    results = race(4, lambda _i: Client().post(url).status_code)
    assert results == [302] * 4
    revoked = contact.consent_records.filter(event=ConsentRecord.Event.REVOKED)
    assert revoked.count() == 1
    assert PurposeAssignment.objects.get(contact=contact, purpose__name=TRACKING_PURPOSE).is_valid
