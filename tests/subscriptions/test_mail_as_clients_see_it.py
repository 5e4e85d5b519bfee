"""Mail as clients and screen readers see it: a named sender, a Reply-To, a Message-ID
from the site's domain, ``lang`` and a viewport, and long links that wrap on a phone."""

from __future__ import annotations

import re
from email.header import decode_header, make_header
from email.utils import parseaddr

import pytest
from django.core import mail
from django.test import Client, TestCase

from tests.helpers.subscribing import subscribe_default
from wagtail_gdpr_mail.legal.controller import get_controller

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


@pytest.fixture
def controller():
    settings = get_controller()
    settings.controller_name = "Příkladný obchod s.r.o."
    settings.controller_email = "privacy@shop.example"
    settings.dpo_email = "dpo@shop.example"
    settings.save()
    return settings


def test_the_confirmation_mail_has_a_named_sender_reply_to_and_message_id(
    subscription_page, controller
):
    subscribe_default(subscription_page)
    (message,) = mail.outbox
    sent = message.message()
    sender = str(make_header(decode_header(str(sent["From"]))))
    assert parseaddr(sender) == ("Příkladný obchod s.r.o.", "newsletter@example.com")
    assert message.reply_to == ["privacy@shop.example"]
    assert re.fullmatch(r"<[^@<>]+@localhost>", str(sent["Message-ID"]))  # the Site's hostname


def test_reply_to_falls_back_to_the_dpo_and_can_be_set(subscription_page, controller, settings):
    controller.controller_email = ""
    controller.save()
    subscribe_default(subscription_page)
    assert mail.outbox[0].reply_to == ["dpo@shop.example"]
    settings.WAGTAIL_GDPR_MAIL_REPLY_TO = "answers@shop.example"
    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    subscribe_default(subscription_page, email="other@example.com")
    assert mail.outbox[1].reply_to == ["answers@shop.example"]


def test_the_html_has_lang_a_viewport_and_links_that_wrap(subscription_page, controller):
    subscribe_default(subscription_page)
    html = mail.outbox[0].alternatives[0][0]
    assert re.search(r'<html lang="en">', html)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    links = re.findall(r"<a\s[^>]*>", html)
    assert links
    for link in links:
        assert "overflow-wrap: anywhere" in link and "word-break: break-all" in link


def test_the_access_mail_has_the_same_headers(subscription_page, controller, make_contact):
    make_contact("jana@example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = Client().post("/gdpr-mail/my-data/", {"email": "jana@example.com"})
    assert response.status_code == 200
    (message,) = mail.outbox
    assert parseaddr(message.from_email)[0] == "Příkladný obchod s.r.o."
    assert message.reply_to == ["privacy@shop.example"]
    assert str(message.message()["Message-ID"]).endswith("@localhost>")
