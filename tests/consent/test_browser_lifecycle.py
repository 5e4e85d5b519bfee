"""In a real browser: a contact renews a purpose from the re-consent mail, and another
objects to a legitimate-interest purpose from its information notice.

Drives Debian's Chromium through Playwright; the live server runs in a thread of this
process with eager Celery and Anymail's test backend, so the mail lands in
``django.core.mail.outbox`` here.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone
from wagtail.models import Site

from tests.helpers.links import object_path, renew_path
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.consent.notice import queue_notices
from wagtail_gdpr_mail.consent.reconsent import queue_reconsent_mail
from wagtail_gdpr_mail.dates import format_date
from wagtail_gdpr_mail.models import (
    ConsentRecord,
    ContactSource,
    LegalBasis,
    PurposeAssignment,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def site_is_the_live_server(live_server):
    address = urlsplit(live_server.url)
    Site.objects.filter(is_default_site=True).update(hostname=address.hostname, port=address.port)


def assert_accessible_basics(page) -> None:
    assert page.get_attribute("html", "lang")
    assert page.locator("h1").count() == 1
    assert page.title()


def test_a_contact_renews_from_the_re_consent_mail(
    page, live_server, site_is_the_live_server, make_purpose, contact
):
    newsletter = make_purpose("Newsletter", years=1, reconsent_enabled=True)
    start = timezone.now() - timedelta(days=355)
    assign_purpose(contact, newsletter, source=ContactSource.FORM, valid_from=start)
    mail.outbox.clear()
    assert queue_reconsent_mail().queued == 1
    path = renew_path(mail.outbox[0])

    page.goto(live_server.url + path)
    assert_accessible_basics(page)
    assert "Newsletter" in page.text_content("main")
    assert not ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).exists()
    page.get_by_role("button", name="Yes, keep my consent").click()
    page.wait_for_selector("[data-gdpr-mail-renewed-until]")
    assignment = PurposeAssignment.objects.get(contact=contact, purpose=newsletter)
    assert assignment.valid_until > timezone.now() + timedelta(days=360)
    assert format_date(assignment.valid_until) in page.text_content(
        "[data-gdpr-mail-renewed-until]"
    )
    assert ConsentRecord.objects.filter(event=ConsentRecord.Event.RENEWED).count() == 1

    # The same link again: the friendly page, nothing renewed twice.
    page.goto(live_server.url + path)
    assert "not valid" in page.text_content("h1")


def test_a_contact_objects_from_the_information_notice(
    page, live_server, site_is_the_live_server, make_purpose, contact
):
    care = make_purpose(
        "Customer care mail", legal_basis=LegalBasis.objects.get(code="legitimate_interest")
    )
    assignment = assign_purpose(contact, care, source=ContactSource.IMPORT)[0]
    mail.outbox.clear()
    assert queue_notices(care.pk, "0b8e2f47-5b0a-4c59-9d3c-0f5d1e2a7c11") == 1
    path = object_path(mail.outbox[0])

    page.goto(live_server.url + path)
    assert_accessible_basics(page)
    page.get_by_role("button", name="I object to this processing").click()
    page.wait_for_selector("[data-gdpr-mail-objected]")
    assignment.refresh_from_db()
    assert assignment.revocation_reason == PurposeAssignment.RevocationReason.OBJECTION
    assert ConsentRecord.objects.filter(
        event=ConsentRecord.Event.REVOKED, assignment=assignment
    ).exists()
