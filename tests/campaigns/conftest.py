"""Fixtures of the campaign tests: a newsletter campaign and its recipients."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.test import TestCase
from django.utils import timezone

from wagtail_gdpr_mail.campaigns import lifecycle
from wagtail_gdpr_mail.campaigns.demo import demo_campaign
from wagtail_gdpr_mail.consent.assignments import assign_purpose
from wagtail_gdpr_mail.models import ContactSource, ListMembership


@pytest.fixture
def campaign(purpose, contact_list):
    return demo_campaign(purpose, contact_list)


@pytest.fixture
def subscriber(make_contact, contact_list, purpose):
    """Make a list member who holds the newsletter purpose (``days_ago``: since when)."""

    def make(email: str | None = None, *, holds: bool = True, days_ago: int = 1):
        person = make_contact(email)
        joined = timezone.now() - timedelta(days=days_ago)
        ListMembership.objects.create(contact=person, contact_list=contact_list, added_at=joined)
        if holds:
            assign_purpose(person, purpose, source=ContactSource.IMPORT, valid_from=joined)
        return person

    return make


def send_now(campaign) -> int | None:
    """Start the campaign and run its send tasks (eager Celery in the test project)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return lifecycle.start(campaign)


def recipients_of(messages=None) -> list[str]:
    """Every address a message went to (a batch message counts once per recipient)."""
    messages = mail.outbox if messages is None else messages
    return [address for message in messages for address in message.to]
