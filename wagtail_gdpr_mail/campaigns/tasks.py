"""Celery tasks of campaigns: start one, send its batches, start due ones every minute."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.db.models import Q
from django.utils import timezone

from ..models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from ..outbox import SEND_TASK_OPTIONS, publish, retry_delay
from ..schedule import SEND_CAMPAIGN, START_CAMPAIGN, START_DUE_CAMPAIGNS
from .compose import CampaignNotSendable, compose
from .lifecycle import start
from .sending import busy_elsewhere, finish_if_done, send_all

logger = logging.getLogger(__name__)


def _campaign(pk: int) -> Campaign | None:
    return Campaign.objects.select_related("purpose__legal_basis").filter(pk=pk).first()


@shared_task(name=START_CAMPAIGN, ignore_result=True, acks_late=True)
def start_campaign(campaign_id: int) -> str:
    """Start a scheduled campaign whose time has come (freeze, publish the senders)."""
    campaign = _campaign(campaign_id)
    if campaign is None:
        return "gone"
    try:
        added = start(campaign)
    except CampaignNotSendable as exc:
        logger.error("Campaign %s cannot be sent: %s", campaign_id, "; ".join(exc.messages))
        return "refused"
    return "not due" if added is None else f"started {added}"


@shared_task(name=SEND_CAMPAIGN, **SEND_TASK_OPTIONS)
def send_campaign(self: Any, campaign_id: int) -> str:
    """Send batches of a campaign until none is left; several of these share a campaign.

    A temporary ESP error puts the batch back in the queue and retries this task with
    backoff; rows still leased by another worker make it look again when the lease ends
    (that worker may have died).
    """
    campaign = _campaign(campaign_id)
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return "not sending"
    try:
        mail = compose(campaign)
    except CampaignNotSendable as exc:
        logger.error("Campaign %s cannot be sent: %s", campaign_id, "; ".join(exc.messages))
        return "refused"
    result = send_all(campaign, mail)
    if result.error is not None:
        raise self.retry(
            exc=result.error, countdown=retry_delay(self.request.retries), max_retries=None
        )
    lease = busy_elsewhere(campaign)
    if lease is not None and not self.request.is_eager:
        wait = max(1.0, (lease - timezone.now()).total_seconds() + 1)
        raise self.retry(countdown=min(wait, 600.0), max_retries=None)
    finish_if_done(campaign)
    return f"sent {result.sent}"


@shared_task(name=START_DUE_CAMPAIGNS, ignore_result=True)
def start_due_campaigns() -> int:
    """Start scheduled campaigns that are due, and send again those nobody works on
    (queued rows, or rows whose worker's lease ran out). Returns how many were touched."""
    now = timezone.now()
    touched = 0
    due = Campaign.objects.filter(status=CampaignStatus.SCHEDULED, scheduled_at__lte=now)
    for pk in due.values_list("pk", flat=True):
        publish(START_CAMPAIGN, pk)
        touched += 1
    for campaign in Campaign.objects.filter(status=CampaignStatus.SENDING):
        stalled = Delivery.objects.filter(campaign=campaign).filter(
            Q(status=DeliveryStatus.QUEUED) | Q(status=DeliveryStatus.SENDING, lease_until__lt=now)
        )
        if busy_elsewhere(campaign, now) is None and stalled.exists():
            publish(SEND_CAMPAIGN, campaign.pk)
            touched += 1
        elif not stalled.exists():
            finish_if_done(campaign)
    return touched
