"""The admin dashboard's alarms: confirmation mails that no worker sends, and breaches
whose 72 hours to notify the supervisory authority are running.

A site without a running Celery worker (or with one on another broker) accepts
subscriptions, tells visitors to check their mailbox and sends nothing. The
sweeper logs an error for it (:func:`wagtail_gdpr_mail.outbox.report_waiting_mail`);
this panel puts the same fact in front of the people who look after contacts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import ngettext
from wagtail.admin.ui.components import Component

from ..dates import format_datetime
from ..legal.breaches import format_time_left
from ..models import Breach
from ..outbox import WaitingMail, mail_waiting_too_long
from .permissions import APP

#: The documentation's section on running a worker and the periodic jobs.
WORKERS_DOCS_URL = "https://wagtail-gdpr-mail.readthedocs.io/en/latest/installation.html#workers"


class UnsentMailPanel(Component):
    """ "N confirmation mails have been waiting since …", with a link to the docs."""

    name = "gdpr_mail_unsent_mail"
    template_name = "wagtail_gdpr_mail/admin/unsent_mail_panel.html"
    order = 50  # above Wagtail's own panels: nothing else on the page is as urgent

    def __init__(self, waiting: WaitingMail) -> None:
        self.waiting = waiting

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        count = self.waiting.count
        return {
            "message": ngettext(
                "%(count)s confirmation mail has been waiting to be sent since %(since)s.",
                "%(count)s confirmation mails have been waiting to be sent since %(since)s.",
                count,
            )
            % {"count": count, "since": format_datetime(self.waiting.oldest)},
            "docs_url": WORKERS_DOCS_URL,
        }


def add_unsent_mail_panel(request: HttpRequest, panels: list[Any]) -> None:
    """The ``construct_homepage_panels`` hook: the panel for users who may view contacts,
    when mail has waited longer than ``WAGTAIL_GDPR_MAIL_UNSENT_MAIL_ALERT_MINUTES``."""
    if not request.user.has_perm(f"{APP}.view_contact"):
        return
    waiting = mail_waiting_too_long()
    if waiting.count:
        panels.append(UnsentMailPanel(waiting))


class BreachClockPanel(Component):
    """Each breach still to be notified, with the time left of its 72 hours."""

    name = "gdpr_mail_breach_clock"
    template_name = "wagtail_gdpr_mail/admin/breach_clock_panel.html"
    order = 40  # above the unsent-mail panel: the law's clock runs

    def __init__(self, breaches: list[Breach]) -> None:
        self.breaches = breaches

    def get_context_data(self, parent_context: Mapping[str, Any] | None = None) -> dict[str, Any]:
        now = timezone.now()
        url_name = Breach.snippet_viewset.get_url_name("inspect")
        return {
            "rows": [
                {
                    "breach": breach,
                    "left": format_time_left(breach.time_left(now)),
                    "overdue": breach.time_left(now).total_seconds() < 0,
                    "url": reverse(url_name, args=[breach.pk]),
                }
                for breach in self.breaches
            ]
        }


def add_breach_clock_panel(request: HttpRequest, panels: list[Any]) -> None:
    """The ``construct_homepage_panels`` hook: the panel for users who may see the breach
    register, while a breach awaits notification."""
    if not request.user.has_perm(f"{APP}.view_breach") and not request.user.has_perm(
        f"{APP}.change_breach"
    ):
        return
    breaches = list(Breach.objects.awaiting_notification().order_by("discovered_at", "pk")[:20])
    if breaches:
        panels.append(BreachClockPanel(breaches))
