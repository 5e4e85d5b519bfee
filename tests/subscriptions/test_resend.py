"""A person who asks again gets the mail again: a retry within the quiet period resends
the pending signup's confirmation (with a fresh link; the earlier one keeps working),
at most ``CONFIRMATION_MAILS_PER_DAY`` mails per address a day; a double click sends one
mail. Bots and list bombing stay bounded."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.helpers.links import CONFIRM_LINK, confirm_path
from tests.helpers.services import database_is_postgres, need
from tests.helpers.subscribing import (
    ALREADY_TEXT,
    CONFIRMED_TEXT,
    EMAIL,
    FIRST,
    make_visitor,
    open_form,
    post_form,
    press_confirm,
    send_at_once,
    stored,
    subscribe_default,
    success_location,
)
from wagtail_gdpr_mail.models import Contact, PurposeAssignment, Suppression

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]


@pytest.fixture
def resend_at_once(settings):
    """Retries in these tests come a minute or more apart: no wait before a resend."""
    settings.WAGTAIL_GDPR_MAIL_RESEND_AFTER_SECONDS = 0


def _answer(response) -> tuple:
    return response.status_code, response.get("Location"), response.content


def test_a_retry_in_the_quiet_period_resends_the_same_confirmation(
    subscription_page, resend_at_once
):
    sp = subscription_page
    first = subscribe_default(sp, tick=[sp.extra])
    # The mail did not come; the person tries again, typing a little differently.
    again = subscribe_default(sp, email=EMAIL.upper(), first_name="Květa")
    assert _answer(again) == _answer(first)
    assert again["Location"] == success_location(sp.form_id)
    assert stored() == (1, 0, 2)

    sent, resent = mail.outbox
    assert resent.to == sent.to == [EMAIL] and resent.subject == sent.subject
    # The same confirmation, with a link of its own.
    assert CONFIRM_LINK.sub("", resent.body) == CONFIRM_LINK.sub("", sent.body)
    assert confirm_path(resent) != confirm_path(sent)

    # Either link confirms what was asked first; the signup confirms once.
    assert CONFIRMED_TEXT in press_confirm(make_visitor(), confirm_path(sent)).content.decode()
    assert ALREADY_TEXT in make_visitor().get(confirm_path(resent)).content.decode()
    contact = Contact.objects.get()
    assert contact.first_name == FIRST
    assert sorted(PurposeAssignment.objects.values_list("purpose_id", flat=True)) == sorted(
        [sp.main.pk, sp.extra.pk]
    )


def test_at_most_three_mails_a_day_then_the_same_answer_and_nothing_sent(
    subscription_page, resend_at_once
):
    sp = subscription_page
    answers = [_answer(subscribe_default(sp, make_visitor(f"192.0.2.{n}"))) for n in range(1, 6)]
    assert len(set(answers)) == 1
    assert stored() == (1, 0, 3)


def test_the_bound_is_a_setting(subscription_page, resend_at_once, settings):
    settings.WAGTAIL_GDPR_MAIL_CONFIRMATION_MAILS_PER_DAY = 1
    sp = subscription_page
    for _ in range(3):
        subscribe_default(sp)
    assert stored() == (1, 0, 1)


def test_a_double_click_sends_one_mail(subscription_page, visitor):
    sp = subscription_page
    form = open_form(visitor, sp.url, sp.form_id)
    answers = [_answer(post_form(visitor, form, email=EMAIL)) for _ in range(2)]
    assert answers[0] == answers[1]
    assert stored() == (1, 0, 1)


def test_a_retry_for_an_address_that_bounced_since_sends_nothing(subscription_page, resend_at_once):
    sp = subscription_page
    subscribe_default(sp)
    Suppression.add(reason=Suppression.Reason.BOUNCED, email=EMAIL)
    again = subscribe_default(sp)
    assert again.status_code == 302 and again["Location"] == success_location(sp.form_id)
    assert stored() == (1, 0, 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submits_at_the_same_moment_send_one_mail(subscription_page):
    need(database_is_postgres(), "PostgreSQL")
    sp = subscription_page
    responses = send_at_once(sp.url, sp.form_id, 2, email=EMAIL)
    assert all(not isinstance(r, Exception) for r in responses), responses
    assert [r.status_code for r in responses] == [302, 302]
    assert stored() == (1, 0, 1)
