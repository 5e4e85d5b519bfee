"""The confirmation mail says what the person confirms: the purposes they chose, each with
its text and how long the data is kept, in the text and the HTML part."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.helpers.markup import visible_text
from tests.helpers.subscribing import subscribe_default
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

NEWSLETTER = "Newsletter: We will send you our newsletter monthly. Data kept for 3 years."
COMPETITIONS = "Competition results: We will tell you who won our competitions."


def test_the_mail_lists_the_main_purpose_and_not_an_unticked_one(subscription_page):
    subscribe_default(subscription_page)
    (message,) = mail.outbox
    html_text = visible_text(message.alternatives[0][0])
    for text in (message.body, html_text):
        assert "By confirming, you agree to:" in text
        assert NEWSLETTER in text
        assert "Competition results" not in text


def test_the_mail_lists_a_ticked_optional_purpose_with_its_retention(subscription_page):
    subscribe_default(subscription_page, tick=(subscription_page.extra,))
    (message,) = mail.outbox
    html_text = visible_text(message.alternatives[0][0])
    for text in (message.body, html_text):
        assert NEWSLETTER in text
        assert f"{COMPETITIONS} Data kept for 1 year." in text
    # The mail kept as evidence is the mail as sent.
    snapshot = PendingSignup.objects.get().mail_snapshot
    assert f"{COMPETITIONS} Data kept for 1 year." in snapshot["text"]
    assert f"{COMPETITIONS} Data kept for 1 year." in visible_text(snapshot["html"])
