"""The confirmation mail's outbox row: ESP errors and retries, crashes and the sweeper,
and the purge of old signups.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client, override_settings
from django.utils import timezone
from django.utils.module_loading import import_string

from tests.helpers.links import confirm_links, confirm_path
from tests.helpers.subscribing import (
    CONFIRMED_TEXT,
    press_confirm,
    subscribe_default,
    success_location,
)
from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.conf import app_settings
from wagtail_gdpr_mail.models import (
    Contact,
)
from wagtail_gdpr_mail.models.signups import PendingSignup, SignupToken

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

FLAKY = "tests.helpers.mail_backends.FlakyBackend"


# --- The ESP fails ---------------------------------------------------------------------


@override_settings(EMAIL_BACKEND=FLAKY, WAGTAIL_GDPR_MAIL_MAIL_RETRY_BASE_SECONDS=0)
@pytest.mark.parametrize("failures", [1, 3])
def test_esp_errors_are_retried_and_the_mail_goes_out_once(subscription_page, flaky_esp, failures):
    flaky_esp(failures)
    response = subscribe_default(subscription_page)
    assert response.status_code == 302
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.SENT
    assert signup.mail_attempts == failures + 1
    # Each attempt issued its own token; only the sent mail's link is in the outbox.
    assert SignupToken.objects.filter(signup=signup).count() == failures + 1
    assert len(mail.outbox) == 1 and len(set(confirm_links(mail.outbox))) == 1
    assert signup.mail_snapshot["subject"] == mail.outbox[0].subject
    response = press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert CONFIRMED_TEXT in response.content.decode()
    assert Contact.objects.count() == 1


@override_settings(
    EMAIL_BACKEND=FLAKY,
    WAGTAIL_GDPR_MAIL_MAIL_RETRY_BASE_SECONDS=0,
    WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS=3,
)
def test_mail_the_esp_keeps_refusing_ends_as_failed_and_the_visitor_sees_no_error(
    subscription_page, flaky_esp
):
    sp = subscription_page
    flaky_esp(1000)
    response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.FAILED
    assert signup.mail_attempts == 3 and len(mail.outbox) == 0
    PendingSignup.objects.update(mail_last_attempt_at=timezone.now() - timedelta(hours=1))
    assert tasks.sweep_unsent_mail() == 0  # failed stays failed
    assert len(mail.outbox) == 0


class BrokenMailError(Exception):
    pass


def _always_broken(self, messages):
    raise BrokenMailError("not an ESP error: a bug, a bad header, a full disk…")


@override_settings(WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS=3)
def test_a_permanent_mail_error_ends_as_failed_not_in_an_endless_sweep(subscription_page):
    sp = subscription_page
    backend = import_string(settings.EMAIL_BACKEND)  # the backend in use, whichever it is
    with mock.patch.object(backend, "send_messages", _always_broken):
        assert subscribe_default(sp).status_code == 302
        for _ in range(6):
            PendingSignup.objects.update(
                created_at=timezone.now() - timedelta(hours=1),
                mail_last_attempt_at=timezone.now() - timedelta(hours=1),
            )
            tasks.sweep_unsent_mail()
    signup = PendingSignup.objects.get()
    assert signup.mail_attempts <= 3
    assert signup.mail_status == PendingSignup.MailStatus.FAILED


# --- Crashes: the row is the outbox --------------------------------------------------------


def test_a_mail_lost_between_commit_and_publish_is_sent_by_the_sweeper(subscription_page):
    sp = subscription_page
    with mock.patch.object(
        tasks.send_confirmation_mail, "delay", side_effect=ConnectionError("broker down")
    ):
        response = subscribe_default(sp)
    assert response.status_code == 302 and response["Location"] == success_location(sp.form_id)
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.QUEUED
    assert signup.mail_attempts == 0 and len(mail.outbox) == 0

    assert tasks.sweep_unsent_mail() == 0  # too fresh: the publish may still be on its way
    PendingSignup.objects.update(
        created_at=timezone.now() - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    assert tasks.sweep_unsent_mail() == 1
    assert len(mail.outbox) == 1
    assert PendingSignup.objects.get().mail_status == PendingSignup.MailStatus.SENT
    PendingSignup.objects.update(created_at=timezone.now() - timedelta(minutes=60))
    assert tasks.sweep_unsent_mail() == 0
    assert len(mail.outbox) == 1
    response = press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert CONFIRMED_TEXT in response.content.decode()


def test_a_task_that_died_before_sending_is_sent_again_by_the_sweeper(subscription_page):
    """A worker dies after counting the attempt and before the ESP got the mail."""
    sp = subscription_page
    with mock.patch(
        "wagtail_gdpr_mail.subscriptions.tasks.get_adapter", side_effect=SystemError("worker died")
    ):
        assert subscribe_default(sp).status_code == 302
    signup = PendingSignup.objects.get()
    assert signup.mail_status == PendingSignup.MailStatus.QUEUED and signup.mail_attempts == 1
    assert len(mail.outbox) == 0
    PendingSignup.objects.update(
        mail_last_attempt_at=timezone.now()
        - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    assert tasks.sweep_unsent_mail() == 1
    assert len(mail.outbox) == 1 and PendingSignup.objects.get().mail_attempts == 2
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    assert Contact.objects.count() == 1


# --- Purging -------------------------------------------------------------------------------


@override_settings(WAGTAIL_GDPR_MAIL_QUIET_PERIOD_MINUTES=0)
def test_the_purge_deletes_expired_signups_confirmed_or_not_and_their_tokens(subscription_page):
    sp = subscription_page
    for email in ("confirmed@example.com", "ignored@example.com", "fresh@example.com"):
        subscribe_default(sp, email=email)
    confirmed, ignored, fresh = PendingSignup.objects.order_by("pk")
    press_confirm(Client(), confirm_path(mail.outbox[0]))
    past = timezone.now() - timedelta(seconds=1)
    PendingSignup.objects.filter(pk__in=[confirmed.pk, ignored.pk]).update(expires_at=past)
    assert tasks.purge_expired_signups() == 2  # signups, not signups plus their tokens
    assert list(PendingSignup.objects.all()) == [fresh]
    assert set(SignupToken.objects.values_list("signup_id", flat=True)) == {fresh.pk}
    assert Contact.objects.count() == 1
    assert tasks.purge_expired_signups() == 0


def test_the_sweep_command_says_how_many_it_queued(subscription_page):
    with mock.patch.object(tasks.send_confirmation_mail, "delay", side_effect=OSError):
        subscribe_default(subscription_page)
    PendingSignup.objects.update(
        created_at=timezone.now() - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES + 1)
    )
    out = io.StringIO()
    call_command("gdpr_mail_sweep", stdout=out)
    assert re.search(r"\b1\b", out.getvalue()), out.getvalue()
    assert len(out.getvalue().strip().splitlines()) == 1
    assert len(mail.outbox) == 1
    again = io.StringIO()
    call_command("gdpr_mail_sweep", stdout=again)
    assert re.search(r"\b0\b", again.getvalue()), again.getvalue()


def test_the_purge_command_says_how_many_signups_it_deleted(subscription_page):
    subscribe_default(subscription_page)
    PendingSignup.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    out = io.StringIO()
    call_command("gdpr_mail_purge_signups", stdout=out)
    assert len(out.getvalue().strip().splitlines()) == 1
    assert re.search(r"\b1\b", out.getvalue()), out.getvalue()
    assert not PendingSignup.objects.exists()
