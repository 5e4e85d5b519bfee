"""What a visitor types as a name cannot write into the site's own confirmation mail.

Names never become links (only the confirmation URL is one), and control, bidi-override
and line-break characters are refused by the form with a message.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail

from tests.helpers.subscribing import form_sections, stored, subscribe_default

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

SPAM = "Win an iPhone at https://evil.example/claim"


def _links(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="([^"]*)"', html)


def test_a_url_in_the_name_is_not_a_link_in_the_mail(subscription_page):
    subscribe_default(subscription_page, first_name=SPAM, last_name="")
    (message,) = mail.outbox
    html = message.alternatives[0][0]
    assert "evil.example/claim" in html  # shown as text ...
    links = _links(html)
    assert links and all("/gdpr-mail/confirm/" in link for link in links)  # ... never linked
    assert "evil.example" not in "".join(links)


@pytest.mark.parametrize(
    "name",
    [
        "Jana\r\nBcc: everyone@example.com",
        "Jana\nClick below",
        "Jana\u2028Line",
        "Jana\x00",
        "Jana\x1b[31m",
        "Jana\u202emoc.live",
        "Jana\u2066hidden\u2069",
    ],
)
def test_control_bidi_and_line_break_characters_in_a_name_are_refused(subscription_page, name):
    sp = subscription_page
    response = subscribe_default(sp, first_name=name)
    assert response.status_code == 400
    section = form_sections(response.content.decode())[sp.form_id]
    assert "cannot contain line breaks, control or text-direction characters" in section
    assert stored() == (0, 0, 0)


def test_ordinary_names_with_accents_still_pass(subscription_page):
    response = subscribe_default(
        subscription_page, first_name="Květoslava-Ünal", last_name="O'Néill"
    )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
