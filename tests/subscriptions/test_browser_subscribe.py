"""In a real browser: a visitor subscribes on a shop's home page, confirms by the mail's link,
and an editor finds the contact with both purposes and the consent proof.

Drives Debian's Chromium through Playwright (never a downloaded browser). The live
server runs in a thread of this process, with the test settings' Anymail test e-mail
backend and eager Celery, so the confirmation mail lands in ``mail.outbox`` here.
Screenshots are saved only when ``SCREENSHOT_DIR`` is set.
"""

from __future__ import annotations

import os

import pytest
from django.core import mail
from django.test import override_settings
from playwright.sync_api import expect

from tests.helpers.links import CONFIRM_LINK
from tests.helpers.subscribing import signed_timestamp
from wagtail_gdpr_mail.models import Contact, PurposeAssignment
from wagtail_gdpr_mail.models.signups import PendingSignup
from wagtail_gdpr_mail.subscriptions.forms import SECOND_PRESS_SECONDS

pytestmark = pytest.mark.browser

ADMIN_PASSWORD = "password"  # the ``superuser`` fixture's
# A real person takes a few seconds anyway; the form is sent as if opened this long ago.
MIN_FILL_SECONDS = 1
CONTACTS_URL = "/admin/snippets/wagtail_gdpr_mail/contact/"


def screenshot(page, name: str) -> None:
    """A full-length screenshot, only when SCREENSHOT_DIR is set.

    The Wagtail admin scrolls an inner container, which ``full_page`` does not
    unroll: the viewport is stretched to the tallest scrolling box for the shot.
    """
    directory = os.environ.get("SCREENSHOT_DIR")
    if not directory:
        return
    os.makedirs(directory, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        "Math.max(...Array.from(document.querySelectorAll('body, body *'), e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.screenshot(path=os.path.join(directory, f"{name}.png"), full_page=True)
    page.set_viewport_size(size)


def subscribe(
    page, live_server, email: str, first_name: str, *, competition: bool, shots: str
) -> str:
    """Fill and send the home page's form as a person would; return the confirm link."""
    page.goto(f"{live_server.url}/")
    form = page.locator("[data-gdpr-mail-form] form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=first_name]").fill(first_name)
    if competition:
        form.get_by_label("Competition results").check()
    screenshot(page, f"{shots}-1-home-form-filled")
    # The form refuses answers sent faster than MIN_FILL_SECONDS after rendering: it is
    # sent as if the page had been opened a little longer ago (signed as the page signs it).
    form.locator("input[name=rendered_at]").evaluate(
        "(input, value) => { input.value = value; }", signed_timestamp(MIN_FILL_SECONDS + 0.5)
    )
    form.locator("button[type=submit]").click()
    success = page.locator("[data-gdpr-mail-success]")
    success.wait_for()
    assert "Please check your mailbox and confirm your subscription" in success.inner_text()
    screenshot(page, f"{shots}-2-home-submitted")

    assert len(mail.outbox) == 1, [m.subject for m in mail.outbox]
    message = mail.outbox[0]
    assert message.to == [email]
    links = CONFIRM_LINK.findall(message.body)
    assert len(links) == 1, message.body
    assert links[0].startswith(live_server.url)
    return links[0]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=MIN_FILL_SECONDS)
def test_visitor_subscribes_confirms_and_editor_reads_the_proof(page, live_server, shop_site):
    email = "klara.horakova@example.com"
    link = subscribe(page, live_server, email, "Klára", competition=True, shots="subscribe")

    message = mail.outbox[0]
    assert message.subject == "Please confirm your subscription"
    assert "Hello Klára," in message.body
    assert "please confirm that you want to receive e-mails from Demo Shop s.r.o." in message.body
    assert not Contact.objects.by_email(email).exists()  # nothing before the click

    # The visitor opens the link from the mail and presses the button.
    page.goto(link)
    confirm_button = page.locator("[data-gdpr-mail-confirm]")
    confirm_button.wait_for()
    assert page.title().startswith("Confirm your subscription")
    screenshot(page, "subscribe-3-confirm-page")
    confirm_button.click()
    confirmed = page.locator("[data-gdpr-mail-confirmed]")
    confirmed.wait_for()
    assert confirmed.inner_text() == "Subscription confirmed"
    screenshot(page, "subscribe-4-confirmed")

    contact = Contact.objects.by_email(email).get()
    assert contact.first_name == "Klára"
    assert sorted(
        PurposeAssignment.objects.filter(contact=contact).values_list("purpose__name", flat=True)
    ) == ["Competition results", "Newsletter"]

    # An editor signs in and looks the contact up with the listing's own search.
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", ADMIN_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")

    page.goto(f"{live_server.url}{CONTACTS_URL}")
    page.wait_for_selector("text=jana.novakova@example.com")  # a contact already there
    page.fill("[data-gdpr-mail-email-search] input[name=email]", email.upper())
    page.keyboard.press("Enter")
    # The search posts; the listing comes back with only the contact searched for.
    page.wait_for_selector("text=jana.novakova@example.com", state="detached")
    page.wait_for_selector(f"text={email}")
    assert page.locator(f"text={email}").count() == 1
    page.click(f"text={email}")
    page.wait_for_selector("[data-contact-email]")
    assert page.inner_text("[data-contact-email]") == email

    page.click("#tab-label-purposes")
    rows = page.locator("#tab-purposes [data-assignment]")
    rows.first.wait_for()
    assert rows.count() == 2
    by_purpose = {
        rows.nth(i).locator("td").first.inner_text(): rows.nth(i).get_attribute("data-status")
        for i in range(rows.count())
    }
    assert by_purpose == {"Newsletter": "valid", "Competition results": "valid"}
    screenshot(page, "subscribe-5-admin-purposes")

    page.click("#tab-label-history")
    history = page.locator("#tab-history")
    given = history.locator("[data-event=given]")
    given.first.wait_for()
    assert given.count() == 2
    summaries = history.locator("details > summary")
    for i in range(summaries.count()):
        summaries.nth(i).click()
    text = history.inner_text()
    # The form as the visitor saw it…
    assert "Subscribe to our newsletter" in text
    assert "Demo Shop s.r.o. (the controller) processes your e-mail address" in text
    assert "We will send you our newsletter with news and offers about once a month." in text
    assert "We will tell you the results of our competitions." in text
    # …and the mail as it was sent, the link itself redacted.
    assert "Please confirm your subscription" in text
    assert "please confirm that you want to receive e-mails from Demo Shop s.r.o." in text
    assert "[confirmation link]" in text
    assert "/gdpr-mail/confirm/" not in text
    screenshot(page, "subscribe-6-admin-consent-history")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=MIN_FILL_SECONDS)
def test_a_mail_scanner_opening_the_link_confirms_nothing(page, live_server, shop_site):
    email = "scanned.inbox@example.com"
    link = subscribe(page, live_server, email, "Ota", competition=False, shots="scanner")

    # A link scanner fetches the link (twice, as some do) and never presses the button.
    for _ in range(2):
        response = page.goto(link)
        assert response is not None and response.status == 200
        page.locator("[data-gdpr-mail-confirm]").wait_for()
    screenshot(page, "scanner-3-confirm-page")

    assert not Contact.objects.by_email(email).exists()
    signup = PendingSignup.objects.get()
    assert signup.confirmed_at is None
    assert signup.email == email  # still waiting for the person's own click


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=30)
def test_a_form_sent_by_autofill_comes_back_and_the_second_press_subscribes(
    page, live_server, shop_site
):
    """Autofill fills and sends the form faster than anyone types (here: within 30 s)."""
    page.goto(f"{live_server.url}/")
    form = page.locator("[data-gdpr-mail-form] form")
    form.locator("input[name=email]").fill("rychla.ruka@example.com")
    form.locator("button[type=submit]").click()

    summary = page.locator("[data-gdpr-mail-errors]")
    expect(summary).to_be_focused()
    assert "press the button again" in summary.inner_text()
    assert form.locator("input[name=email]").input_value() == "rychla.ruka@example.com"
    assert len(mail.outbox) == 0 and PendingSignup.objects.count() == 0
    screenshot(page, "autofill-1-press-again")

    page.wait_for_timeout((SECOND_PRESS_SECONDS + 0.2) * 1000)  # reading the message
    form.locator("button[type=submit]").click()
    page.locator("[data-gdpr-mail-success]").wait_for()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["rychla.ruka@example.com"]
    assert CONFIRM_LINK.findall(mail.outbox[0].body)
