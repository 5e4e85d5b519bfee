"""In Chromium: an editor reads the proof of a consent, revokes with a reason, edits
custom fields through labelled inputs."""

from __future__ import annotations

import os

import pytest
from django.core import mail
from wagtail.users.models import UserProfile

from tests.helpers.browser import sign_in
from tests.helpers.links import confirm_path
from tests.helpers.subscribing import CONFIRM_IP, make_visitor, press_confirm, subscribe_default
from tests.subscriptions.conftest import no_fill_delay, subscription_page  # noqa: F401
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ConsentRecord, Contact, PurposeAssignment

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def screenshot(page, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], f"{name}.png"))


def open_contact(page, base_url: str, contact: Contact, tab: str) -> None:
    page.goto(f"{base_url}/admin/snippets/wagtail_gdpr_mail/contact/inspect/{contact.pk}/")
    page.click(f"#tab-label-{tab}")


@pytest.fixture
def confirmed(subscription_page, no_fill_delay):  # noqa: F811
    """Květoslava subscribed from a Chrome on Windows and confirmed on her phone."""
    subscribe_default(subscription_page, make_visitor(agent=CHROME_WINDOWS))
    press_confirm(make_visitor(CONFIRM_IP), confirm_path(mail.outbox[-1]))
    return Contact.objects.get()


@pytest.mark.parametrize("language", ["en", "cs"])
def test_the_proof_reads_as_labelled_fields_with_the_raw_json_one_click_away(
    page, live_server, superuser, confirmed, language
):
    profile = UserProfile.get_for_user(superuser)
    profile.preferred_language = language
    profile.save()
    contact = confirmed
    title = confirmed.consent_records.first().evidence["form"]["page"]["title"]
    sign_in(page, live_server.url)
    open_contact(page, live_server.url, contact, "history")
    record = page.locator("[data-event=given]").first
    assert record.locator("[data-evidence=submission]").is_visible()
    assert "198.51.100.23" in record.locator("[data-evidence=submission]").inner_text()
    assert "Chrome 131" in record.locator("[data-evidence=submission]").inner_text()
    assert CONFIRM_IP in record.locator("[data-evidence=confirmation]").inner_text()
    assert record.locator("[data-evidence=page] a").inner_text() == title
    assert "We will send you our newsletter monthly." in record.inner_text()
    # The mail as sent is folded under its subject; the raw JSON one click away.
    mail_row = record.locator("[data-evidence=mail]")
    assert mail.outbox[-1].subject in mail_row.inner_text()
    raw = record.locator("[data-raw-evidence]")
    assert not raw.locator("pre").is_visible()
    raw.locator("summary").click()
    assert '"user_agent"' in raw.locator("pre").inner_text()
    if language == "cs":
        assert "Historie souhlasů" in page.inner_text("body")
    screenshot(page, f"evidence-{language}")


def test_revoke_asks_why_and_the_record_keeps_the_reason(
    page, live_server, superuser, contact, purpose
):
    assign_purpose(contact, purpose, source="form")
    sign_in(page, live_server.url)
    open_contact(page, live_server.url, contact, "purposes")
    page.click("[data-revoke]")
    page.wait_for_selector("[data-revoke-form]")
    assert "Revoke a purpose" in page.inner_text("header")
    screenshot(page, "revoke-confirm")

    page.get_by_label("Other", exact=True).check()
    page.click("[data-gdpr-mail-revoke-confirm]")
    page.wait_for_selector("text=Say why, when the reason is “Other”.")
    assert PurposeAssignment.objects.get().revoked_at is None

    page.get_by_label("The person asked by e-mail or phone").check()
    page.fill("textarea[name=note]", "Wrote to the info@ address")
    page.click("[data-gdpr-mail-revoke-confirm]")
    page.wait_for_selector("text=Purpose “Newsletter” revoked.")
    assert page.locator("[data-status=revoked]").count() == 1

    page.click("#tab-label-history")
    revoked = page.locator("[data-event=revoked]")
    assert revoked.locator("[data-evidence=editor_reason]").inner_text() == (
        "The person asked by e-mail or phone"
    )
    assert "Wrote to the info@ address" in revoked.inner_text()
    assert revoked.locator("[data-acted-by]").inner_text() == "admin"
    assert ConsentRecord.objects.filter(event="revoked").count() == 1


def test_bulk_revoke_from_the_listing(page, live_server, superuser, make_contact, purpose):
    holders = [make_contact(f"holder{i}@example.com") for i in range(2)]
    for contact in holders:
        assign_purpose(contact, purpose, source="form")
    make_contact("bystander@example.com")
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/")
    page.click("input[data-bulk-action-select-all-checkbox]")
    page.click("text=Revoke a purpose")
    page.wait_for_selector("[data-bulk-revoke-form]")
    page.select_option("select[name=purpose]", label="Newsletter")
    page.get_by_label("Entered by mistake").check()
    page.click("[data-bulk-revoke-form] input[type=submit]")
    page.wait_for_selector("text=“Newsletter” revoked from 2 contacts.")
    assert "1 contact skipped" in page.inner_text("body")
    assert not PurposeAssignment.objects.filter(revoked_at__isnull=True).exists()


def test_custom_fields_are_labelled_inputs(page, live_server, superuser, make_contact, settings):
    settings.WAGTAIL_GDPR_MAIL_CUSTOM_FIELDS = [("city", "City"), ("company", "Company")]
    contact = make_contact(custom_fields={"city": "Brno", "visits": 3})
    sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/admin/snippets/wagtail_gdpr_mail/contact/edit/{contact.pk}/")
    assert page.get_by_label("City").input_value() == "Brno"
    json_box = page.locator("[data-custom-fields-json] textarea")
    assert not json_box.is_visible()  # the JSON fallback is folded away
    page.get_by_label("Company").fill("Acme s.r.o.")
    screenshot(page, "custom-fields")
    page.click("button[type=submit]:has-text('Save')")
    screenshot(page, "custom-fields-saved")
    page.wait_for_selector(".messages .success")
    contact.refresh_from_db()
    assert contact.custom_fields == {"city": "Brno", "company": "Acme s.r.o.", "visits": 3}
