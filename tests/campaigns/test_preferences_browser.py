"""In a real browser, checked by axe-core: the preference centre (purposes on several
legal bases, a changed text, after a withdrawal, after asking again) and the page of an
unknown link, in English and Czech, on a desktop and on a 375 px phone."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers.axe import assert_no_axe_violations
from tests.helpers.browser import assert_page_language
from tests.helpers.deliveries import make_campaign, make_delivery, preferences_path
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, LegalBasis

pytestmark = pytest.mark.browser


def _check(page) -> None:
    assert_page_language(page, page.language)
    assert_no_axe_violations(page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_preference_centre_has_no_accessibility_violations(
    visitor_page, live_server, contact, make_purpose
):
    page = visitor_page
    newsletter = make_purpose("Newsletter", visitor_text="Our monthly newsletter.")
    assign_purpose(contact, newsletter, source=ContactSource.FORM)
    for name, code in (("Order updates", "contract"), ("Customer news", "legitimate_interest")):
        purpose = make_purpose(name, legal_basis=LegalBasis.objects.get(code=code))
        assign_purpose(contact, purpose, source=ContactSource.ADMIN)
    newsletter.visitor_text = "Our weekly newsletter."
    newsletter.save()
    newsletter.save_revision(log_action=False)
    _delivery, token = make_delivery(make_campaign(newsletter), contact)

    page.goto(f"{live_server.url}{preferences_path(token)}")
    page.locator("[data-gdpr-mail-masked-email]").wait_for()
    _check(page)

    # Each button names its purpose, for those who hear the page rather than see it.
    page.locator("section[data-purpose='Newsletter'] [data-gdpr-mail-withdraw]").click()
    expect(page.locator("[data-gdpr-mail-messages]")).to_be_visible()
    expect(
        page.locator("section[data-purpose='Newsletter'] [data-gdpr-mail-ask-again]")
    ).to_be_visible()
    _check(page)

    page.locator("[data-gdpr-mail-ask-again]").click()
    expect(page.locator("[data-gdpr-mail-messages]")).to_be_visible()
    _check(page)

    page.goto(f"{live_server.url}{preferences_path('unknown')}")
    page.locator("[data-gdpr-mail-preferences-invalid]").wait_for()
    _check(page)
