"""Fan-out: batches, pause and resume, recipients who lose the purpose mid-run, ESP
errors (temporary: retried; permanent: failed with the reason), backends without batch
sending, the send permission."""

from __future__ import annotations

import pytest
from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused
from django.core import mail
from django.test import TestCase
from django.urls import reverse

from tests.campaigns.conftest import recipients_of, send_now
from tests.helpers.mail_backends import ScriptedAnymailBackend
from tests.helpers.users import make_user
from wagtail_gdpr_mail.campaigns import lifecycle, sending
from wagtail_gdpr_mail.campaigns.recipients import NO_VALID_PURPOSE, SUPPRESSED
from wagtail_gdpr_mail.consent.assignments import revoke_assignment
from wagtail_gdpr_mail.models import (
    CampaignStatus,
    DeliveryStatus,
    PurposeAssignment,
    Suppression,
)

SCRIPTED = "tests.helpers.mail_backends.ScriptedAnymailBackend"


@pytest.fixture
def scripted_esp(settings):
    settings.EMAIL_BACKEND = SCRIPTED
    ScriptedAnymailBackend.errors, ScriptedAnymailBackend.calls = [], 0
    yield ScriptedAnymailBackend
    ScriptedAnymailBackend.errors = []


def _people(subscriber, count: int) -> list:
    return [subscriber(f"r{i}@example.com") for i in range(count)]


def _statuses(campaign) -> dict[str, int]:
    stats = campaign.statistics()
    return {s: stats[s] for s in DeliveryStatus.values if stats[s]}


def test_batches_go_out_as_one_esp_call_each_with_merge_data(campaign, subscriber, settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = 4
    _people(subscriber, 10)
    mail.outbox.clear()
    send_now(campaign)
    assert len(mail.outbox) == 3  # 4 + 4 + 2
    assert sorted(recipients_of()) == sorted(f"r{i}@example.com" for i in range(10))
    for message in mail.outbox:
        params = message.anymail_test_params
        assert params["is_batch_send"] is True
        assert set(params["merge_data"]) == set(message.to)
        ids = {params["merge_metadata"][a]["gdpr_mail_delivery"] for a in message.to}
        assert len(ids) == len(message.to)
        # The ESP's own pixel and link rewriting stay off, whatever the account's defaults.
        assert params["track_opens"] is False
        assert params["track_clicks"] is False
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert _statuses(campaign) == {"sent": 10}


def test_a_backend_without_batch_sending_gets_one_message_per_recipient(
    campaign, subscriber, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _people(subscriber, 3)
    mail.outbox.clear()
    send_now(campaign)
    assert len(mail.outbox) == 3
    tokens = set()
    for message in mail.outbox:
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        link = message.extra_headers["List-Unsubscribe"].strip("<>")
        token = link.rstrip("/").rsplit("/", 1)[1]
        assert token in message.body and token in message.alternatives[0][0]
        assert message.to[0] not in link
        tokens.add(token)
    assert len(tokens) == 3


def test_pause_stops_new_batches_and_resume_sends_each_recipient_once(
    campaign, subscriber, settings
):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = 2
    _people(subscriber, 6)
    mail.outbox.clear()
    lifecycle.start(campaign)  # the send tasks are not run: the test plays the worker
    assert sending.send_batch(campaign).sent == 2
    assert lifecycle.pause(campaign)
    campaign.refresh_from_db()
    assert sending.send_batch(campaign).claimed is False
    assert len(recipients_of()) == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert lifecycle.resume(campaign)
    assert sorted(recipients_of()) == sorted(f"r{i}@example.com" for i in range(6))
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT


def test_who_loses_the_purpose_or_is_suppressed_mid_run_gets_nothing(
    campaign, subscriber, purpose, settings
):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = 1
    first, withdrawn, bounced, last = _people(subscriber, 4)
    mail.outbox.clear()
    lifecycle.start(campaign)
    assert sending.send_batch(campaign).sent == 1
    revoke_assignment(
        PurposeAssignment.objects.get(contact=withdrawn, purpose=purpose),
        reason=PurposeAssignment.RevocationReason.WITHDRAWN,
    )
    Suppression.add(reason=Suppression.Reason.BOUNCED, email="r2@example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        lifecycle.publish_senders(campaign.pk, 1)
    assert recipients_of() == ["r0@example.com", "r3@example.com"]
    reasons = dict(campaign.deliveries.values_list("contact_id", "skip_reason"))
    assert reasons[withdrawn.pk] == NO_VALID_PURPOSE
    assert reasons[bounced.pk] == SUPPRESSED
    assert _statuses(campaign) == {"sent": 2, "skipped": 2}


def test_a_temporary_esp_error_is_retried_and_nobody_gets_two(campaign, subscriber, scripted_esp):
    _people(subscriber, 3)
    scripted_esp.errors = [
        AnymailAPIError("ESP unavailable", status_code=503),
        AnymailAPIError("slow down", status_code=429),
    ]
    mail.outbox.clear()
    send_now(campaign)
    assert sorted(recipients_of()) == ["r0@example.com", "r1@example.com", "r2@example.com"]
    assert _statuses(campaign) == {"sent": 3}
    assert set(campaign.deliveries.values_list("attempts", flat=True)) == {3}


def test_a_permanent_esp_error_fails_the_batch_with_the_reason(campaign, subscriber, scripted_esp):
    _people(subscriber, 2)
    scripted_esp.errors = [AnymailAPIError("bad sender", status_code=400)]
    mail.outbox.clear()
    send_now(campaign)
    assert mail.outbox == []
    assert _statuses(campaign) == {"failed": 2}
    assert set(campaign.deliveries.values_list("skip_reason", flat=True)) == {"AnymailAPIError 400"}
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.SENT
    assert ("failed", "AnymailAPIError 400", 2) in campaign.statistics()["reasons"]


def test_refused_recipients_fail(campaign, subscriber, scripted_esp):
    _people(subscriber, 1)
    scripted_esp.errors = [AnymailRecipientsRefused("all refused")]
    send_now(campaign)
    assert _statuses(campaign) == {"failed": 1}


def test_attempts_are_limited(campaign, subscriber, scripted_esp, settings):
    settings.WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS = 2
    _people(subscriber, 1)
    scripted_esp.errors = [AnymailAPIError("down", status_code=502) for _ in range(5)]
    mail.outbox.clear()
    send_now(campaign)
    assert mail.outbox == []
    assert _statuses(campaign) == {"failed": 1}
    assert campaign.deliveries.get().skip_reason == sending.TOO_MANY_ATTEMPTS


def test_cancel_skips_what_is_not_sent(campaign, subscriber, settings):
    settings.WAGTAIL_GDPR_MAIL_CAMPAIGN_BATCH_SIZE = 1
    _people(subscriber, 3)
    mail.outbox.clear()
    lifecycle.start(campaign)
    sending.send_batch(campaign)
    assert lifecycle.cancel(campaign)
    assert _statuses(campaign) == {"sent": 1, "skipped": 2}
    assert len(mail.outbox) == 1


def test_a_campaign_without_a_footer_is_refused(campaign, subscriber):
    subscriber()
    campaign.body = [b for b in campaign.body.raw_data if b["type"] != "footer"]
    campaign.save()
    with pytest.raises(lifecycle.CampaignNotSendable):
        lifecycle.start(campaign)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT
    assert not campaign.deliveries.exists()


def _url(action: str, pk: int) -> str:
    return reverse(f"wagtailsnippets_wagtail_gdpr_mail_campaign:{action}", args=[pk])


def test_actions_need_the_send_permission_and_post(client, campaign, subscriber):
    subscriber()
    reader = make_user("reader", ["view_campaign", "change_campaign"])
    client.force_login(reader)
    page = client.get(_url("sending", campaign.pk))
    assert page.status_code == 200
    assert "data-gdpr-mail-send" not in page.content.decode()
    for action in ("schedule", "pause", "resume", "cancel", "test_send"):
        assert client.post(_url(action, campaign.pk)).status_code == 403
        assert client.get(_url(action, campaign.pk)).status_code in (403, 405)
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.DRAFT and not campaign.deliveries.exists()
    nobody = make_user("nobody", [])
    client.force_login(nobody)
    assert client.get(_url("sending", campaign.pk)).status_code == 403


def test_an_editor_with_the_permission_tests_and_sends(client, campaign, subscriber):
    subscriber("reader@example.com")
    sender = make_user("sender", ["view_campaign", "change_campaign", "send_campaign"])
    client.force_login(sender)
    mail.outbox.clear()
    client.post(_url("test_send", campaign.pk))
    (test,) = mail.outbox
    assert test.to == ["sender@example.com"] and test.subject.startswith("[Test]")
    assert not campaign.deliveries.exists()
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(_url("schedule", campaign.pk), {"send_at": ""})
    assert response.status_code == 302
    assert recipients_of() == ["reader@example.com"]
    page = client.get(_url("sending", campaign.pk)).content.decode()
    assert "100%" in page


def test_a_failing_esp_during_a_test_send_is_a_message_not_an_error_page(
    client, campaign, scripted_esp
):
    sender = make_user("sender", ["view_campaign", "send_campaign"])
    client.force_login(sender)
    scripted_esp.errors = [AnymailAPIError("down", status_code=503)]
    response = client.post(_url("test_send", campaign.pk), follow=True)
    assert response.status_code == 200
    assert "The ESP did not take the test" in response.content.decode()
