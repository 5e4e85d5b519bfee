"""In a real browser: build a segment from two rules, watch the live count, bulk-assign a
purpose valid from the day each contact joined, and watch the progress bar finish.

Drives Debian's Chromium through Playwright (never a downloaded browser). Celery runs
eagerly in the test project, so the operation runs when its request commits.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from django.utils import timezone

from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ListMembership, PurposeAssignment, Segment

pytestmark = pytest.mark.browser


def add_rule(page, label: str) -> None:
    page.locator("button[title='Insert a block']").last.click()
    page.get_by_role("option", name=label).click()


def choose(page, button: str, item: str) -> None:
    page.get_by_role("button", name=button, exact=True).last.click()
    page.get_by_role("link", name=item).click()
    page.wait_for_selector(".modal", state="detached")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_segment_live_count_and_bulk_assign_with_progress(
    page, live_server, superuser, make_contact, make_purpose, contact_list
):
    newsletter, webinars = make_purpose("Newsletter"), make_purpose("Webinars")
    members = [make_contact(f"member{n}@example.com") for n in range(3)]
    for n, contact in enumerate(members):
        ListMembership.objects.create(
            contact=contact, contact_list=contact_list, added_at=timezone.now() - timedelta(days=n)
        )
        assign_purpose(contact, newsletter, source="form")
    assign_purpose(make_contact("outsider@example.com"), newsletter, source="form")

    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", "password")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/segment/add/")
    page.fill("input[name=name]", "Newsletter readers on the list")
    add_rule(page, "Has valid purpose")
    choose(page, "Choose processing purpose", "Newsletter")
    count = page.locator("[data-gdpr-mail-count]")
    page.wait_for_function(
        "document.querySelector('[data-gdpr-mail-count]').textContent === '4 contacts'"
    )
    add_rule(page, "Member of list")
    choose(page, "Choose list", contact_list.name)
    page.wait_for_function(
        "document.querySelector('[data-gdpr-mail-count]').textContent === '3 contacts'"
    )
    assert count.inner_text() == "3 contacts"
    page.get_by_role("button", name="Save").click()
    page.wait_for_selector("text=Segment “Newsletter readers on the list” created.")
    segment = Segment.objects.get(name="Newsletter readers on the list")

    page.goto(
        f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/segment/bulk/?segment={segment.pk}"
    )
    page.select_option("select[name=purpose]", label="Webinars")
    page.check("input[name=valid_from][value=joined]")
    page.select_option("select[name=join_list]", label=contact_list.name)
    page.fill("textarea[name=note]", "Signed up at the trade fair")
    page.get_by_role("button", name="Start").click()
    page.wait_for_selector("[data-gdpr-mail-finished=done]")
    assert page.inner_text("[data-gdpr-mail-bar]") == "100%"
    for contact in members:
        held = PurposeAssignment.objects.get(contact=contact, purpose=webinars)
        assert held.valid_from == contact.memberships.get().added_at
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "bulk-progress.png"))
