"""In a real browser: a visitor asks for their data by e-mail, downloads it, withdraws a
purpose and has everything erased.

Drives Debian's Chromium through Playwright (never a downloaded browser). The live
server runs in a thread of this process with the test settings' Anymail test e-mail backend
and eager Celery, so the "my data" mail lands in ``django.core.mail.outbox`` here.
Screenshots are saved only when ``SCREENSHOT_DIR`` is set.
"""

from __future__ import annotations

import json
import os
from urllib.parse import urlsplit

import pytest
from django.core import mail
from wagtail.models import Site

from tests.helpers.links import ACCESS_LINK
from tests.helpers.rights import SELF_SERVICE_EMAIL as EMAIL
from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment, Suppression

pytestmark = pytest.mark.browser


def screenshot(page, name: str) -> None:
    directory = os.environ.get("SCREENSHOT_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        page.screenshot(path=os.path.join(directory, f"rights-{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_visitor_downloads_withdraws_and_erases_through_the_mailed_link(
    page, live_server, visitor_contact, tmp_path
):
    contact = visitor_contact
    mail.outbox.clear()
    # Links in mail come from the Wagtail site's root URL, never the request's Host:
    # the site is the live server here.
    address = urlsplit(live_server.url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)

    # 1. Ask for the link.
    page.goto(f"{live_server.url}/gdpr-mail/my-data/")
    screenshot(page, "1-request")
    page.fill("input[name=email]", EMAIL.upper())
    page.click("button:has-text('Send me the link')")
    page.wait_for_selector("[data-gdpr-mail-access-sent]")
    screenshot(page, "2-sent")

    # 2. The mail, and its link.
    (message,) = [m for m in mail.outbox if ACCESS_LINK.search(m.body)]
    assert message.to == [EMAIL]
    assert "Samoobsluha s.r.o." in message.subject
    (link,) = set(ACCESS_LINK.findall(message.body))
    assert urlsplit(link).netloc == urlsplit(live_server.url).netloc

    # 3. Open it and continue.
    page.goto(link)
    screenshot(page, "3-open")
    page.click("[data-gdpr-mail-open]")
    page.wait_for_selector("[data-gdpr-mail-email]")
    assert page.inner_text("[data-gdpr-mail-email]") == EMAIL
    assert page.locator("tr[data-purpose]").count() == 2
    screenshot(page, "4-manage")

    # 4. Download everything.
    with page.expect_download() as download_info:
        page.click("[data-gdpr-mail-download]")
    download = download_info.value
    assert download.suggested_filename.endswith(".json")
    assert EMAIL not in download.suggested_filename
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["contact"]["email"] == EMAIL
    assert data["contact"]["first_name"] == "Vendula"
    assert {p["purpose"] for p in data["purposes"]} == {"Newsletter", "Event invitations"}
    assert EMAIL in target.read_text(encoding="utf-8")

    # 5. Withdraw one purpose.
    row = page.locator("tr[data-purpose='Event invitations']")
    row.locator("[data-gdpr-mail-withdraw]").click()
    page.wait_for_selector("tr[data-purpose='Event invitations'][data-status='revoked']")
    row = page.locator("tr[data-purpose='Event invitations']")
    assert "Withdrawn" in row.inner_text()
    assert row.locator("[data-gdpr-mail-withdraw]").count() == 0
    newsletter_row = page.locator("tr[data-purpose='Newsletter']")
    assert newsletter_row.get_attribute("data-status") == "valid"
    screenshot(page, "5-withdrawn")
    events = PurposeAssignment.objects.get(contact=contact, purpose__name="Event invitations")
    assert events.revocation_reason == "withdrawn"
    withdrawal = ConsentRecord.objects.filter(assignment=events).last()
    assert withdrawal.event == "revoked"
    assert withdrawal.evidence["withdrawal"]["ip"] == "127.0.0.1"

    # 6. Erase: without the tick the page asks for it.
    page.click("[data-gdpr-mail-erase-me]")
    page.wait_for_selector("text=This field is required")
    screenshot(page, "6-erase-unticked")
    contact.refresh_from_db()
    assert not contact.is_anonymised
    page.check("input[name=confirm]")
    page.click("[data-gdpr-mail-erase-me]")
    page.wait_for_selector("[data-gdpr-mail-erased]")
    screenshot(page, "7-erased")

    contact.refresh_from_db()
    assert contact.is_anonymised
    assert contact.email is None and contact.first_name == "" and contact.custom_fields == {}
    assert all(r.evidence is None for r in contact.consent_records.all())
    assert not PurposeAssignment.objects.filter(contact=contact, revoked_at__isnull=True).exists()
    assert Suppression.objects.is_suppressed(EMAIL)
    assert Contact.objects.count() == 1

    # 7. The session is over: back to the page, the friendly "ended" page.
    page.goto(f"{live_server.url}/gdpr-mail/my-data/manage/")
    page.wait_for_selector("text=Your session has ended")
    screenshot(page, "8-session-ended")
    # And the link does not work a second time.
    page.goto(link)
    page.wait_for_selector("text=This link is no longer valid")
