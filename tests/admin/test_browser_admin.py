"""In a real browser: an editor signs in, finds a contact, assigns a purpose, reads the proof.

Drives Debian's Chromium through Playwright (never a downloaded browser).
"""

from __future__ import annotations

import os

import pytest

from tests.helpers.browser import sign_in
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import PurposeAssignment

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_finds_a_contact_assigns_a_purpose_and_reads_the_proof(
    page, live_server, superuser, make_contact, make_purpose
):
    contact = make_contact("eva.svobodova@example.com", first_name="Eva", last_name="Svobodová")
    make_contact("someone.else@example.com")
    newsletter = make_purpose("Newsletter")
    make_purpose("Webinars")
    assign_purpose(contact, newsletter, source="form", evidence={"ip": "198.51.100.23"})

    sign_in(page, live_server.url)

    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/")
    page.fill("[data-gdpr-mail-email-search] input[name=email]", "EVA.SVOBODOVA@example.com")
    page.keyboard.press("Enter")
    # The form posts; the listing comes back filtered, the address not in its URL.
    page.wait_for_selector("text=someone.else@example.com", state="detached")
    # The old listing is gone; wait for the new one to show the match, then count.
    page.wait_for_selector("text=eva.svobodova@example.com")
    assert "example.com" not in page.url
    assert page.locator("text=eva.svobodova@example.com").count() == 1

    page.click("text=eva.svobodova@example.com")
    page.wait_for_selector("[data-contact-email]")
    assert page.inner_text("[data-contact-email]") == "eva.svobodova@example.com"

    page.click("#tab-label-purposes")
    page.select_option("select[name=purpose]", label="Webinars")
    page.click("button:has-text('Assign')")
    page.wait_for_selector("text=Purpose “Webinars” assigned.")
    assert PurposeAssignment.objects.filter(contact=contact, purpose__name="Webinars").exists()

    page.click("#tab-label-history")
    history = page.locator("#tab-history")
    assert history.locator("[data-event=given]").count() == 2
    history.locator("summary").first.click()
    assert "198.51.100.23" in history.inner_text()
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "contact-history.png"))
