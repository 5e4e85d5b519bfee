"""The preference centre is valid HTML (the Nu HTML Checker): purposes on every legal
basis, after a withdrawal (with the ask-again button and a message), a changed text,
and the page of an unknown link."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.helpers.deliveries import make_campaign, make_delivery, post_button, preferences_path
from tests.helpers.nu_html import assert_valid_html
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, LegalBasis

pytestmark = pytest.mark.django_db


def test_the_preference_pages_are_valid_html(contact, make_purpose, tmp_path):
    newsletter = make_purpose("Newsletter", visitor_text="Our monthly\nnewsletter.")
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    for name, code in (("Order updates", "contract"), ("Customer news", "legitimate_interest")):
        purpose = make_purpose(name, legal_basis=LegalBasis.objects.get(code=code))
        assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    newsletter.visitor_text = "Our weekly newsletter."
    newsletter.save()
    newsletter.save_revision(log_action=False)
    _delivery, token = make_delivery(make_campaign(newsletter), contact)
    client = Client(enforce_csrf_checks=True)

    pages = {"centre": client.get(preferences_path(token)).content.decode()}
    response = post_button(client, pages["centre"], "data-gdpr-mail-withdraw", "Newsletter")
    pages["withdrawn"] = client.get(response["Location"]).content.decode()
    pages["invalid"] = client.get(preferences_path("unknown")).content.decode()

    assert "data-gdpr-mail-ask-again" in pages["withdrawn"]
    assert_valid_html(pages, tmp_path)
