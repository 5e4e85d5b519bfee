"""In a real browser, checked by axe-core: the self-service pages (ask for the link, link
sent, open, manage with purposes, after a withdrawal, erase with an error, erased), in
English and Czech, on a desktop and on a 375 px phone: no violations, best practices
included.

Drives Debian's Chromium through Playwright; the mail lands in ``mail.outbox`` here
(the live server runs in a thread of this process, Celery eager).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect
from wagtail.models import Site

from tests.helpers.axe import assert_no_axe_violations
from tests.helpers.browser import assert_page_language
from tests.helpers.links import ACCESS_LINK
from tests.helpers.rights import SELF_SERVICE_EMAIL
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, LegalBasis

pytestmark = pytest.mark.browser

#: What the page says after a withdrawal, by language.
WITHDRAWN = {
    "en": "Your consent to “Event invitations” is withdrawn.",
    "cs": "Váš souhlas s účelem „Event invitations“ je odvolán.",
}


def _check(page) -> None:
    assert_page_language(page, page.language)
    assert_no_axe_violations(page)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_self_service_pages_have_no_accessibility_violations(
    visitor_page, live_server, visitor_contact, make_purpose
):
    page = visitor_page
    interest = LegalBasis.objects.get(code="legitimate_interest")
    assign_purpose(
        visitor_contact,
        make_purpose("Customer survey", legal_basis=interest, visitor_text="A yearly survey."),
        source=ContactSource.ADMIN,
    )
    address = urlsplit(live_server.url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)
    mail.outbox.clear()

    page.goto(f"{live_server.url}/gdpr-mail/my-data/")
    _check(page)
    page.fill("input[name=email]", "not-an-address")
    page.click("form button[type=submit]")
    page.locator(".invalid-feedback").first.wait_for()
    _check(page)
    page.fill("input[name=email]", SELF_SERVICE_EMAIL)
    page.click("form button[type=submit]")
    page.wait_for_selector("[data-gdpr-mail-access-sent]")
    _check(page)

    (message,) = [m for m in mail.outbox if ACCESS_LINK.search(m.body)]
    page.goto(ACCESS_LINK.search(message.body).group(0))
    page.locator("[data-gdpr-mail-open]").wait_for()
    _check(page)
    page.click("[data-gdpr-mail-open]")
    page.wait_for_selector("[data-gdpr-mail-email]")
    assert page.locator("tr[data-purpose]").count() == 3
    _check(page)

    # Each button names its purpose, for those who hear the page rather than see it.
    page.get_by_role("button", name="Event invitations").click()
    expect(page.locator("[data-gdpr-mail-messages]")).to_contain_text(WITHDRAWN[page.language])
    row = page.locator("tr[data-purpose='Event invitations']")
    assert row.get_attribute("data-status") == "revoked"
    assert row.locator("[data-gdpr-mail-valid-until]").inner_text() == "—"
    _check(page)

    page.click("[data-gdpr-mail-erase-me]")
    page.locator("[data-gdpr-mail-erase-me]").wait_for()
    expect(page.locator("input[name=confirm]")).to_have_attribute("aria-invalid", "true")
    _check(page)
    page.check("input[name=confirm]")
    page.click("[data-gdpr-mail-erase-me]")
    page.wait_for_selector("[data-gdpr-mail-erased]")
    _check(page)
