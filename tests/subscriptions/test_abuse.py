"""Bots and abuse: the same answer whatever the address, a quiet period, a honeypot,
rate limits, forms that are gone, and the minimum time a person takes to fill in a form.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone

from tests.helpers.rate_limits import clear_rate_limits
from tests.helpers.subscribing import (
    EMAIL,
    FIRST,
    form_sections,
    make_visitor,
    open_form,
    post_form,
    signed_timestamp,
    stored,
    subscribe_default,
    subscription_forms,
    success_location,
)
from wagtail_gdpr_mail.conf import app_settings
from wagtail_gdpr_mail.models.signups import PendingSignup
from wagtail_gdpr_mail.subscriptions.forms import SECOND_PRESS_SECONDS

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


# --- Same answer, quiet period, bots, limits ------------------------------------------


def _answer(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_the_answer_is_the_same_for_known_new_and_pending_addresses(
    subscription_page, make_contact
):
    sp = subscription_page
    make_contact("known@example.com")
    known = subscribe_default(sp, email="known@example.com")
    new = subscribe_default(sp, email="new@example.com")
    pending = subscribe_default(sp, email="new@example.com")  # within the quiet period
    assert _answer(known) == _answer(new) == _answer(pending)
    assert known.status_code == 302 and known["Location"] == success_location(sp.form_id)
    assert set(known.headers) == set(new.headers)


def test_no_second_signup_within_the_quiet_period(subscription_page, settings):
    """A second submission at once (a double click) stores nothing and sends nothing;
    a later one resends the first mail (``test_resend.py``)."""
    sp = subscription_page
    first = subscribe_default(sp)
    second = subscribe_default(sp, email=EMAIL.upper())
    assert _answer(first) == _answer(second)
    assert PendingSignup.objects.count() == 1 and len(mail.outbox) == 1

    quiet = timedelta(minutes=app_settings.QUIET_PERIOD_MINUTES)
    PendingSignup.objects.update(created_at=timezone.now() - quiet - timedelta(minutes=1))
    clear_rate_limits()  # time passed: the quiet-period guard in the cache expired too
    subscribe_default(sp)
    assert PendingSignup.objects.count() == 2 and len(mail.outbox) == 2

    settings.WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES = 0
    subscribe_default(sp)
    assert PendingSignup.objects.count() == 3 and len(mail.outbox) == 3


def test_a_filled_honeypot_gets_the_same_answer_and_stores_nothing(subscription_page):
    sp = subscription_page
    response = subscribe_default(sp, website="https://cheap-pills.example")
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    assert stored() == (0, 0, 0)


@override_settings(WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_IP=(2, 3600))
def test_too_many_submissions_from_one_ip_get_a_friendly_429(subscription_page):
    sp = subscription_page
    for number in (1, 2):
        response = subscribe_default(sp, email=f"person{number}@example.com")
        assert response.status_code == 302
    third = subscribe_default(sp, email="person3@example.com")
    assert third.status_code == 429
    html = third.content.decode()
    assert "Too many attempts" in html and "Nothing was saved" in html
    assert stored() == (2, 0, 2)
    other_ip = subscribe_default(sp, make_visitor("192.0.2.200"), email="person4@example.com")
    assert other_ip.status_code == 302 and stored() == (3, 0, 3)


@override_settings(
    WAGTAIL_GDPR_MAIL_RATE_LIMIT_PER_ADDRESS=(2, 3600), WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES=0
)
def test_too_many_submissions_for_one_address_are_silently_dropped(subscription_page):
    sp = subscription_page
    answers = [
        subscribe_default(sp, make_visitor(f"192.0.2.{n}"), email=email)
        for n, email in enumerate([EMAIL, EMAIL, EMAIL.upper(), f"  {EMAIL} "], start=1)
    ]
    assert len({_answer(a) for a in answers}) == 1
    assert answers[0].status_code == 302
    assert stored() == (2, 0, 2)


def test_an_invalid_address_shows_the_form_again_with_the_error(subscription_page, visitor):
    sp = subscription_page
    response = subscribe_default(sp, visitor, email="not-an-address")
    assert response.status_code == 400
    html = response.content.decode()
    section = form_sections(html)[sp.form_id]
    assert "Enter a valid email address." in section
    form = subscription_forms(html)[sp.form_id]
    assert form.values["first_name"] == FIRST  # what the visitor typed is kept
    assert form.values["email"] == "not-an-address"
    assert stored() == (0, 0, 0)

    missing = post_form(visitor, form, email="")
    assert missing.status_code == 400
    assert "This field is required." in form_sections(missing.content.decode())[sp.form_id]
    assert stored() == (0, 0, 0)


def test_a_form_that_is_no_longer_on_the_page_gets_a_friendly_404(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    form.values["form_id"] = "f" * 32
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code == 404
    assert "This form is no longer available" in response.content.decode()
    assert stored() == (0, 0, 0)


def test_a_form_whose_main_purpose_was_deleted_answers_without_an_error(subscription_page, visitor):
    """The editor deletes the form's purpose while a visitor has the page open."""
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    sp.main.delete()
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code in (400, 404)
    assert stored() == (0, 0, 0)


# --- Timing: people are slower than bots ------------------------------------------------


@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=30)
def test_a_form_sent_back_too_fast_comes_back_and_the_second_press_goes_through(
    subscription_page, visitor
):
    """Autofill sends a form within a second: the person is asked to press again."""
    sp = subscription_page
    response = subscribe_default(sp, visitor)
    assert response.status_code == 400
    html = response.content.decode()
    summary = form_sections(html)[sp.form_id]
    assert "press the button again" in summary
    form = subscription_forms(html)[sp.form_id]
    assert form.values["email"] == EMAIL and form.values["first_name"] == FIRST
    assert stored() == (0, 0, 0)  # nothing stored, nothing sent

    time.sleep(SECOND_PRESS_SECONDS + 0.1)  # reading the message, pressing the button
    again = post_form(visitor, form, email=EMAIL, first_name=FIRST)
    assert again.status_code == 302 and again["Location"] == success_location(sp.form_id)
    assert stored() == (1, 0, 1)


@pytest.mark.parametrize("rendered_at", ["1700000000.0", "1700000000.0:forgedsignature", ""])
def test_a_forged_form_timestamp_stores_nothing(subscription_page, visitor, rendered_at):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    form.values["rendered_at"] = rendered_at
    response = post_form(visitor, form, email=EMAIL)
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert response["Location"] == success_location(sp.form_id)
    assert stored() == (0, 0, 0)


@override_settings(WAGTAIL_GDPR_MAIL_MIN_FILL_SECONDS=1)
def test_a_person_who_takes_a_moment_to_type_is_subscribed(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    # The page was opened 1.1 s ago: reading, typing (signed as the page signs it).
    form.values["rendered_at"] = signed_timestamp(1.1)
    response = post_form(visitor, form, email=EMAIL, first_name=FIRST)
    assert response.status_code == 302
    assert stored() == (1, 0, 1)
