"""In a real browser, checked by axe-core: the subscription form (fresh, with errors, after
success) and the confirmation pages (the button, done, expired, invalid), in English and
Czech, on a desktop and on a 375 px phone: no violations, best practices included.

Drives Debian's Chromium through Playwright; the mail lands in ``mail.outbox`` here
(the live server runs in a thread of this process, Celery eager).
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from tests.helpers.axe import assert_no_axe_violations
from tests.helpers.browser import assert_page_language
from tests.helpers.links import CONFIRM_LINK
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = pytest.mark.browser


def _send_form(page, email: str) -> None:
    form = page.locator("[data-gdpr-mail-form] form")
    form.locator("input[name=email]").fill(email)
    form.locator("input[name=first_name]").fill("Klára")
    form.locator("button[type=submit]").click()


def _check(page) -> None:
    assert_page_language(page, page.language)
    assert_no_axe_violations(page)


def _confirm_link(email: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [email]]
    (link,) = CONFIRM_LINK.findall(message.body)
    return link


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_form_and_the_confirm_pages_have_no_accessibility_violations(
    visitor_page, live_server, shop_site, settings
):
    settings.WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS = 0
    page = visitor_page

    page.goto(f"{live_server.url}/")
    _check(page)

    # Errors: the summary gets the focus, and the page is scrolled to the form.
    _send_form(page, "not-an-address")
    expect(page.locator("[data-gdpr-mail-errors]")).to_be_focused()
    form_id = page.locator("[name=form_id]").input_value()
    assert page.url.endswith(f"#form-{form_id}-errors")
    _check(page)

    _send_form(page, "klara@example.com")
    page.locator("[data-gdpr-mail-success]").wait_for()
    _check(page)

    page.goto(_confirm_link("klara@example.com"))
    page.locator("[data-gdpr-mail-confirm]").wait_for()
    _check(page)
    page.locator("[data-gdpr-mail-confirm]").click()
    page.locator("[data-gdpr-mail-confirmed]").wait_for()
    _check(page)

    page.goto(f"{live_server.url}/")
    _send_form(page, "late@example.com")
    page.locator("[data-gdpr-mail-success]").wait_for()
    PendingSignup.objects.update(expires_at=timezone.now())
    response = page.goto(_confirm_link("late@example.com"))
    assert response is not None and response.status == 410
    _check(page)

    response = page.goto(f"{live_server.url}/gdpr-mail/confirm/not-a-token/")
    assert response is not None and response.status == 404
    _check(page)
