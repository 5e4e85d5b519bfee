"""The self-service pages are valid HTML (the Nu HTML Checker): ask for the link (fresh
and with an error), link sent, open, manage with purposes on every legal basis, after a
withdrawal, erase with an error, erased."""

from __future__ import annotations

import pytest

from tests.helpers.nu_html import assert_valid_html
from tests.helpers.rights import (
    ERASE_ME,
    MANAGE,
    MY_DATA,
    ask_for_link,
    link_path,
    post,
    visitor_client,
    withdraw_url,
)
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, LegalBasis

pytestmark = pytest.mark.django_db


def test_the_self_service_pages_are_valid_html(person, make_purpose, tmp_path):
    for name, code in (("Order updates", "contract"), ("Customer news", "legitimate_interest")):
        purpose = make_purpose(name, legal_basis=LegalBasis.objects.get(code=code))
        assign_purpose(person.contact, purpose, source=ContactSource.ADMIN)
    client = visitor_client()
    pages = {"request": client.get(MY_DATA).content.decode()}
    pages["request-error"] = post(client, MY_DATA, {"email": "not-an-address"}).content.decode()
    pages["sent"] = ask_for_link(client, person.contact.email).content.decode()
    path = link_path(person.contact.email)
    pages["open"] = client.get(path).content.decode()
    post(client, path)
    pages["manage"] = client.get(MANAGE).content.decode()
    offers = person.contact.assignments.get(purpose=person.offers)
    post(client, withdraw_url(offers.pk))
    pages["withdrawn"] = client.get(MANAGE).content.decode()
    pages["erase-error"] = post(client, ERASE_ME).content.decode()
    pages["erased"] = post(client, ERASE_ME, {"confirm": "on"}).content.decode()

    assert "data-gdpr-mail-erased" in pages["erased"]
    assert_valid_html(pages, tmp_path)
