"""Abuse limits that cannot be walked around: a sliding window across the hour
boundary, a maximum age of the signed form, plus-tags counted as one address, and
no confirmation mail to hard-bounced or complained addresses."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.helpers.rate_limits import clear_rate_limits
from tests.helpers.subscribing import (
    EMAIL,
    form_sections,
    open_form,
    post_form,
    signed_timestamp,
    stored,
    subscribe_default,
    subscription_forms,
    success_location,
)
from wagtail_gdpr_mail.models import Contact, Suppression
from wagtail_gdpr_mail.models.signups import PendingSignup
from wagtail_gdpr_mail.ratelimit import hit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

HOUR = 3600
LIMIT = (20, HOUR)


def _let_through(times: list[float], identity: str = "198.51.100.1") -> int:
    return sum(hit("test-ip", identity, LIMIT, now=t) for t in times)


def test_the_hour_boundary_does_not_double_the_limit():
    """20 requests in the last ten seconds before the full hour, 20 in the ten after:
    a fixed window lets all 40 through; the sliding window only 20."""
    boundary = 1_000 * HOUR
    before = [boundary - 10 + i * 0.5 for i in range(20)]
    after = [boundary + i * 0.5 for i in range(20)]
    assert _let_through(before) + _let_through(after) == 20


def test_the_window_slides_so_a_patient_client_gets_through_again():
    start = 2_000 * HOUR
    assert _let_through([start + i for i in range(20)]) == 20
    assert _let_through([start + 1800]) == 0  # half an hour later: still within the hour
    assert _let_through([start + HOUR + 2 * 360 + 1]) == 1  # the window moved on


def test_an_old_form_is_refused_with_a_friendly_message_and_a_fresh_form(
    subscription_page, visitor, settings
):
    settings.WAGTAIL_GDPR_MAIL_FORM_MAX_AGE_SECONDS = 3 * HOUR
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    form.values["rendered_at"] = signed_timestamp(3 * HOUR + 60)
    response = post_form(visitor, form, email=EMAIL, first_name="Jana")
    assert response.status_code == 400
    section = form_sections(response.content.decode())[sp.form_id]
    assert "This form was open for a long time" in section
    assert stored() == (0, 0, 0)
    # Pressing the button again on the re-shown form works.
    again = subscription_forms(response.content.decode())[sp.form_id]
    assert post_form(visitor, again, email=EMAIL, first_name="Jana").status_code == 302
    assert stored() == (1, 0, 1)


def test_plus_tags_share_the_quiet_period_and_the_address_limit(subscription_page, settings):
    sp = subscription_page
    for n in range(1, 6):
        response = subscribe_default(sp, email=f"victim+{n}@example.com")
        assert response["Location"] == success_location(sp.form_id)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["victim+1@example.com"]  # stored and mailed as typed

    clear_rate_limits()  # time passed
    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    settings.WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS = (3, HOUR)
    for n in range(6, 12):
        subscribe_default(sp, email=f"Victim+{n}@example.com")
    assert len(mail.outbox) == 1 + 3  # six tags of one address, three per hour


@pytest.mark.parametrize(
    ("reason", "mailed"),
    [
        (Suppression.Reason.BOUNCED, False),
        (Suppression.Reason.COMPLAINED, False),
        (Suppression.Reason.ERASED, True),  # the person's own double opt-in is the way back
    ],
)
def test_suppressed_addresses_get_no_confirmation_mail_but_the_same_answer(
    subscription_page, reason, mailed
):
    sp = subscription_page
    Suppression.add(reason=reason, email=EMAIL)
    response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    assert len(mail.outbox) == (1 if mailed else 0)
    assert PendingSignup.objects.count() == (1 if mailed else 0)
    assert not Contact.objects.exists()
