"""In a real browser: an editor opens "Due for erasure", selects contacts, anonymises them,
and sees them gone from the report. Debian's Chromium through Playwright."""

from __future__ import annotations

import os

import pytest

from wagtail_gdpr_mail.models import Contact, PurposeAssignment

pytestmark = pytest.mark.browser


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_editor_selects_due_contacts_and_anonymises_them(page, live_server, superuser, lapsed):
    gone = lapsed(80, PurposeAssignment.RevocationReason.WITHDRAWN, email="gone.away@example.com")
    never = lapsed(90, "never", email="never.confirmed@example.com")
    stays = lapsed(90, "never", email="stays.listed@example.com")
    lapsed(3, "never", email="still.fresh@example.com")  # inside the grace period

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/gdpr-mail/due-for-erasure/")
    page.wait_for_selector("text=gone.away@example.com")
    report = page.inner_text("main")
    assert "Consent withdrawn on" in report and "Never held a purpose" in report
    assert "still.fresh@example.com" not in report

    page.check(f"input[name=id][value='{gone.pk}']")
    page.check(f"input[name=id][value='{never.pk}']")
    page.click("[data-gdpr-mail-erase-selected]")
    page.wait_for_selector("[data-gdpr-mail-due-count='2']")
    page.check("input[name=mode][value=anonymise]")
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "erase-due-confirm.png"))
    page.click("[data-gdpr-mail-erase-confirm]")

    page.wait_for_selector("text=2 contacts have been anonymised.")
    report = page.inner_text("main")
    assert "gone.away@example.com" not in report and "never.confirmed@example.com" not in report
    assert "stays.listed@example.com" in report
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "due-for-erasure.png"))
    assert {c.pk for c in Contact.objects.filter(anonymised_at__isnull=False)} == {
        gone.pk,
        never.pk,
    }
    assert Contact.objects.get(pk=stays.pk).email == "stays.listed@example.com"
