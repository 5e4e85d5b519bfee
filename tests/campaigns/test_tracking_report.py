"""The campaign's sending page in the admin shows what happened to the mail: the tracked
group with opens and clicks, the untracked group only in aggregate."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.helpers.deliveries import make_delivery
from tests.helpers.rights import logged_in
from wagtail_gdpr_mail.models import Delivery

pytestmark = pytest.mark.django_db


def _counts(html: str, group: str) -> dict[str, int]:
    section = html.split(f'data-gdpr-mail-events-group="{group}"')[1].split("</table>")[0]
    rows = re.findall(r'data-event="(\w+)".*?data-count>(\d+)<', section, re.S)
    return {event: int(count) for event, count in rows}


def test_the_sending_page_shows_tracked_and_untracked_groups(campaign, make_contact, superuser):
    now = timezone.now()
    tracked, _ = make_delivery(campaign, make_contact(), tracked=True)
    Delivery.objects.filter(pk=tracked.pk).update(delivered_at=now, opened_at=now)
    for _n in range(2):
        plain, _ = make_delivery(campaign, make_contact())
        Delivery.objects.filter(pk=plain.pk).update(delivered_at=now)
    bounced, _ = make_delivery(campaign, make_contact())
    Delivery.objects.filter(pk=bounced.pk).update(bounced_at=now)

    url = reverse("wagtailsnippets_wagtail_gdpr_mail_campaign:sending", args=[campaign.pk])
    html = logged_in(superuser).get(url).content.decode()

    assert "Agreed to tracking: 1 recipient" in html
    assert "Not tracked: 3 recipients" in html
    assert _counts(html, "tracked") == {
        "delivered": 1,
        "bounced": 0,
        "complained": 0,
        "unsubscribed": 0,
        "opened": 1,
        "clicked": 0,
    }
    assert _counts(html, "untracked") == {
        "delivered": 2,
        "bounced": 1,
        "complained": 0,
        "unsubscribed": 0,
    }
