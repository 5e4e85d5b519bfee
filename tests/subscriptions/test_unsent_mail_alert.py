"""Confirmation mails that no worker sends are reported loudly: the periodic sweep logs
an error (counts and ages, no address), and the admin dashboard shows a panel to
the people who look after contacts.

"No worker" is the test project's Celery app out of eager mode: tasks are published
to its in-memory broker, where nobody takes them.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tests.helpers.subscribing import EMAIL, subscribe_default
from tests.helpers.users import make_user
from wagtail_gdpr_mail import tasks
from wagtail_gdpr_mail.models.signups import PendingSignup

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_fill_delay")]

PANEL = "data-gdpr-mail-unsent-mail"
DOCS_LINK = "https://wagtail-gdpr-mail.readthedocs.io/en/latest/installation.html#workers"


@pytest.fixture
def no_worker():
    from tests.test_project.celery import app

    app.conf.task_always_eager = False
    yield app
    app.conf.task_always_eager = True
    app.control.purge()


@pytest.fixture
def waiting_signups(subscription_page, no_worker):
    """Two visitors subscribed; their mails sit in the broker. ``age(minutes)`` makes
    that long ago."""
    for address in (EMAIL, "second.visitor@example.cz"):
        assert subscribe_default(subscription_page, email=address).status_code == 302
    assert PendingSignup.objects.filter(mail_status="queued").count() == 2

    def age(minutes: int) -> None:
        PendingSignup.objects.update(created_at=timezone.now() - timedelta(minutes=minutes))

    return age


def admin_dashboard(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/admin/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_sweep_logs_an_error_when_mail_waits_too_long(waiting_signups, caplog, settings):
    settings.WAGTAIL_GDPR_MAIL_UNSENT_MAIL_ALERT_MINUTES = 15
    waiting_signups(minutes=40)
    with caplog.at_level(logging.ERROR, logger="wagtail_gdpr_mail"):
        tasks.sweep_unsent_mail()
    (record,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    message = record.getMessage()
    assert message.startswith("2 mail(s) to visitors (pendingsignup: 2) have been queued")
    assert "more than 15 minutes, the oldest for 40 minutes" in message
    assert "worker" in message
    assert "@" not in message and "example.cz" not in message  # no personal data


def test_the_sweep_stays_quiet_while_mail_is_recent(waiting_signups, caplog):
    waiting_signups(minutes=5)
    with caplog.at_level(logging.ERROR, logger="wagtail_gdpr_mail"):
        tasks.sweep_unsent_mail()
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_the_dashboard_tells_who_may_view_contacts(waiting_signups, viewer, superuser):
    waiting_signups(minutes=20)
    oldest = PendingSignup.objects.earliest("created_at").created_at
    for user in (viewer, superuser):
        html = admin_dashboard(user)
        assert PANEL in html
        assert "Confirmation mails are not being sent" in html
        assert "2 confirmation mails have been waiting to be sent since" in html
        since = timezone.localtime(oldest).strftime("%H:%M")
        assert since in html
        assert DOCS_LINK in html


def test_the_dashboard_says_nothing_while_mail_is_recent(waiting_signups, viewer):
    waiting_signups(minutes=5)
    assert PANEL not in admin_dashboard(viewer)


def test_the_dashboard_says_nothing_once_the_mail_went_out(waiting_signups, viewer):
    waiting_signups(minutes=20)
    PendingSignup.objects.update(mail_status="sent", mail_sent_at=timezone.now())
    assert PANEL not in admin_dashboard(viewer)


def test_the_dashboard_says_nothing_to_who_may_not_view_contacts(waiting_signups):
    waiting_signups(minutes=20)
    assert PANEL not in admin_dashboard(make_user("page-editor", []))
