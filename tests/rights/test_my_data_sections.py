"""The "my data" page separates what the person agreed to from what is processed on other
grounds (each saying its legal basis), and says what a withdrawal or objection did."""

from __future__ import annotations

import re

import pytest

from tests.helpers.markup import visible_text
from tests.helpers.rights import MANAGE, open_session, post, visitor_client, withdraw_url
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.models import ContactSource, LegalBasis

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(person, make_purpose):
    """Zdeňka's consents, plus a contract purpose and a legitimate interest an editor gave."""
    for name, code in (("Order updates", "contract"), ("Customer news", "legitimate_interest")):
        purpose = make_purpose(name, legal_basis=LegalBasis.objects.get(code=code))
        assign_purpose(person.contact, purpose, source=ContactSource.ADMIN)
    return person


def _section(html: str, heading: str) -> str:
    """The visible text from ``heading`` to the next heading."""
    match = re.search(rf"<h2>{re.escape(heading)}</h2>(.*?)<h2>", html, re.S)
    assert match, f"no section {heading!r}"
    return visible_text(match.group(1))


def _row(html: str, name: str) -> str:
    row = re.search(rf'<tr data-purpose="{re.escape(name)}"[^>]*>(.*?)</tr>', html, re.S)
    assert row, f"no row for {name}"
    return visible_text(row.group(1))


def test_consents_and_other_grounds_are_listed_apart(customer):
    client = visitor_client()
    open_session(client)
    html = client.get(MANAGE).content.decode()

    agreed = _section(html, "What you agreed to")
    for name in ("Newsletter", "Partner offers", "Webinar invitations"):
        assert name in agreed
    assert "Order updates" not in agreed and "Customer news" not in agreed

    other = _section(html, "What we process on other grounds")
    assert "Newsletter" not in other and "Partner offers" not in other
    assert "Legal basis: Performance of a contract" in _row(html, "Order updates")
    assert "Legal basis: Legitimate interests" in _row(html, "Customer news")
    assert "Legal basis" not in _row(html, "Newsletter")


def test_a_withdrawal_says_so_and_the_row_no_longer_shows_a_date(customer):
    client = visitor_client()
    open_session(client)
    offers = customer.contact.assignments.get(purpose=customer.offers)
    assert offers.valid_until is not None
    date_shown = format_date(offers.valid_until)  # "2 Dec 2029": one format per language
    assert date_shown in _row(client.get(MANAGE).content.decode(), "Partner offers")

    response = post(client, withdraw_url(offers.pk))
    assert response.status_code == 302 and response["Location"] == MANAGE
    html = client.get(MANAGE).content.decode()
    assert "Your consent to “Partner offers” is withdrawn." in visible_text(html)
    row = _row(html, "Partner offers")
    assert "Withdrawn" in row and date_shown not in row

    # The message is shown once.
    assert "is withdrawn" not in visible_text(client.get(MANAGE).content.decode())


def test_an_objection_says_so(customer):
    client = visitor_client()
    open_session(client)
    news = customer.contact.assignments.get(purpose__name="Customer news")
    post(client, withdraw_url(news.pk))
    text = visible_text(client.get(MANAGE).content.decode())
    assert "Your objection is recorded: we no longer process your data for “Customer news”." in text
