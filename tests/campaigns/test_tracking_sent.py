"""A campaign sent through the real fan-out (Anymail's test backend): only the recipient
who agreed to tracking gets a pixel and redirected links; the footer's preference link
opens the preference centre; the pixel lands in the report."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.test import Client
from wagtail.models import Site

from tests.campaigns.conftest import send_now
from tests.helpers.deliveries import tracking_purpose
from wagtail_gdpr_mail.campaigns.reports import campaign_report
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, Delivery

pytestmark = pytest.mark.django_db

PIXEL = re.compile(r'<img src="([^"]+/gdpr-mail/o/[^"]+)"')
PREFERENCES = re.compile(r'href="([^"]+/gdpr-mail/preferences/[^"]+)"')


def _html(message) -> str:
    (html,) = [content for content, kind in message.alternatives if kind == "text/html"]
    return html


def _for(message, email: str, html: str) -> str:
    """The HTML as the ESP fills it in for ``email`` (batch: merge data; else as is)."""
    for key, value in (getattr(message, "merge_data", None) or {}).get(email, {}).items():
        html = html.replace("{{" + key + "}}", value)
    return html


def test_only_the_tracked_recipient_gets_a_pixel_and_redirects(
    campaign, subscriber, make_purpose, settings
):
    Site.objects.filter(is_default_site=True).update(hostname="news.example.cz", port=443)
    consenting, other = subscriber("tracked@example.com"), subscriber("plain@example.com")
    assign_purpose(consenting, tracking_purpose(make_purpose, settings), source=ContactSource.FORM)
    mail.outbox.clear()
    send_now(campaign)

    by_address = {}
    for message in mail.outbox:
        for address in message.to:
            by_address[address] = _for(message, address, _html(message))
    tracked, plain = by_address["tracked@example.com"], by_address["plain@example.com"]
    assert PIXEL.search(tracked) and "/gdpr-mail/c/" in tracked
    assert not PIXEL.search(plain) and "/gdpr-mail/c/" not in plain
    assert Delivery.objects.get(contact=consenting).tracked
    assert not Delivery.objects.get(contact=other).tracked

    # The footer's preference link opens the preference centre, address masked.
    link = PREFERENCES.search(plain).group(1)
    assert link.startswith("https://news.example.cz/gdpr-mail/preferences/")
    page = Client().get(urlsplit(link).path)
    assert page.status_code == 200
    assert "p•••@e•••.com" in page.content.decode()

    # Loading the pixel counts the open, for the tracked group only.
    Client().get(urlsplit(PIXEL.search(tracked).group(1)).path)
    tracked_group, untracked_group = campaign_report(campaign)["groups"]
    opened = {r["event"]: r["count"] for r in tracked_group["rows"]}["opened"]
    assert (tracked_group["recipients"], untracked_group["recipients"], opened) == (1, 1, 1)
