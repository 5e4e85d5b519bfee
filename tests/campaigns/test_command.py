"""``manage.py gdpr_mail_campaign``."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from tests.campaigns.conftest import recipients_of
from wagtail_gdpr_mail.models import CampaignStatus, Suppression


def _run(*args: str) -> str:
    out = StringIO()
    call_command("gdpr_mail_campaign", *args, stdout=out)
    return out.getvalue()


def test_dry_run_counts_and_changes_nothing(campaign, subscriber):
    subscriber("a@example.com")
    subscriber("b@example.com", holds=False)
    subscriber("c@example.com")
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="c@example.com")
    out = _run("send", campaign.name, "--dry-run")
    assert "Recipients: 1" in out
    assert "without a valid purpose: 1" in out and "suppressed: 1" in out
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not campaign.deliveries.exists()


def test_send_pause_resume_status(campaign, subscriber, settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = 1
    subscriber("a@example.com")
    subscriber("b@example.com")
    mail.outbox.clear()
    assert "Started: 2" in _run("send", str(campaign.pk))  # send tasks wait for the commit
    assert "Paused." in _run("pause", campaign.name)
    assert "Resumed." in _run("resume", campaign.name, "--in-process")
    assert sorted(recipients_of()) == ["a@example.com", "b@example.com"]
    assert "sent=2" in _run("status", campaign.name)
    with pytest.raises(CommandError):
        _run("send", campaign.name)
    with pytest.raises(CommandError):
        _run("status", "no such campaign")
