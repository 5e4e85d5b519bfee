"""A campaign's life: schedule, start (freeze the recipients), pause, resume, cancel.

Views, the management command and the periodic task call these; each checks the
campaign's status under a row lock, so two editors (or an editor and the scheduler)
cannot start one campaign twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from ..audit import (
    CAMPAIGN_CANCEL,
    CAMPAIGN_PAUSE,
    CAMPAIGN_RESUME,
    CAMPAIGN_SCHEDULE,
    CAMPAIGN_START,
    CAMPAIGN_TEST_SEND,
    log_action,
)
from ..conf import app_settings
from ..locking import write_transaction
from ..mail import get_adapter
from ..models import Campaign, CampaignStatus, Delivery, DeliveryStatus
from ..outbox import publish
from ..schedule import SEND_CAMPAIGN, START_CAMPAIGN
from .compose import CampaignNotSendable, compose, unsubscribe_problems
from .recipients import CANCELLED, freeze
from .sending import Recipient, recipient_message

S = CampaignStatus
logger = logging.getLogger(__name__)


def _locked(campaign: Campaign) -> Campaign:
    return (
        Campaign.objects.select_for_update(of=("self",))
        .select_related("purpose__legal_basis")
        .get(pk=campaign.pk)
    )


def sending_problems(campaign: Campaign) -> list[str]:
    """Why the campaign may not be sent now (empty: it may)."""
    problems = list(unsubscribe_problems(campaign))
    if not campaign.target_lists.exists() and not campaign.target_segments.exists():
        problems.append(gettext("Choose at least one list or segment to send the campaign to."))
    if not campaign.purpose.is_active:
        problems.append(gettext("The campaign's purpose is no longer active."))
    return problems


def _check(campaign: Campaign) -> None:
    problems = sending_problems(campaign)
    if problems:
        raise CampaignNotSendable(problems)


def publish_senders(campaign_id: int, count: int | None = None) -> None:
    """Publish the send tasks that share the campaign (after the commit)."""
    for _ in range(count or app_settings.CAMPAIGN_TASKS_PER_CAMPAIGN):
        transaction.on_commit(lambda: publish(SEND_CAMPAIGN, campaign_id))


def schedule(campaign: Campaign, when: datetime | None = None, *, user: Any = None) -> Campaign:
    """Send the campaign at ``when`` (now when None): the start task runs at that time,
    and the minutely beat entry starts it should that task be lost."""
    with write_transaction():
        locked = _locked(campaign)
        if locked.status not in (S.DRAFT, S.SCHEDULED):
            raise CampaignNotSendable(
                gettext("Only a draft or scheduled campaign can be scheduled.")
            )
        _check(locked)
        locked.status, locked.scheduled_at = S.SCHEDULED, when or timezone.now()
        locked.save(update_fields=["status", "scheduled_at", "updated_at"])
        log_action(
            locked, CAMPAIGN_SCHEDULE, user=user, data={"at": locked.scheduled_at.isoformat()}
        )
        pk, at = locked.pk, locked.scheduled_at
        transaction.on_commit(lambda: _publish_start(pk, at))
    return locked


def _publish_start(pk: int, at: datetime) -> None:
    try:
        task = current_app.tasks[START_CAMPAIGN]
        task.apply_async((pk,), eta=at if at > timezone.now() else None)
    except Exception:  # noqa: BLE001 - the minutely beat entry starts it instead
        logger.exception("Could not publish the start of campaign %s", pk)


def start(campaign: Campaign, *, user: Any = None, now: datetime | None = None) -> int | None:
    """Freeze the recipients and publish the send tasks; returns how many rows were
    written, None when the campaign was not due or not startable (nothing changed)."""
    now = now or timezone.now()
    with write_transaction():
        locked = _locked(campaign)
        if locked.status == S.SCHEDULED and locked.scheduled_at and locked.scheduled_at > now:
            return None
        if locked.status not in (S.DRAFT, S.SCHEDULED):
            return None
        _check(locked)
        compose(locked)  # refuses a mail without its unsubscribe link before anything is written
        locked.status, locked.started_at = S.SENDING, now
        locked.save(update_fields=["status", "started_at", "updated_at"])
        added = freeze(locked, now=now)
        log_action(locked, CAMPAIGN_START, user=user, data={"recipients": added})
        publish_senders(locked.pk)
    return added


def pause(campaign: Campaign, *, user: Any = None) -> bool:
    """Stop claiming new batches (batches being sent finish). False if not sending."""
    with write_transaction():
        changed = Campaign.objects.filter(pk=campaign.pk, status=S.SENDING).update(
            status=S.PAUSED, updated_at=timezone.now()
        )
        if changed:
            log_action(campaign, CAMPAIGN_PAUSE, user=user)
    return bool(changed)


def resume(campaign: Campaign, *, user: Any = None) -> bool:
    """Continue a paused campaign with the recipients frozen at its start."""
    with write_transaction():
        changed = Campaign.objects.filter(pk=campaign.pk, status=S.PAUSED).update(
            status=S.SENDING, updated_at=timezone.now()
        )
        if changed:
            log_action(campaign, CAMPAIGN_RESUME, user=user)
            publish_senders(campaign.pk)
    return bool(changed)


def cancel(campaign: Campaign, *, user: Any = None) -> bool:
    """Stop for good: rows not sent yet are skipped ("cancelled")."""
    with write_transaction():
        locked = _locked(campaign)
        if locked.status in (S.SENT, S.CANCELLED):
            return False
        locked.status, locked.finished_at = S.CANCELLED, timezone.now()
        locked.save(update_fields=["status", "finished_at", "updated_at"])
        Delivery.objects.filter(campaign=locked, status=DeliveryStatus.QUEUED).update(
            status=DeliveryStatus.SKIPPED, skip_reason=CANCELLED
        )
        log_action(locked, CAMPAIGN_CANCEL, user=user)
    return True


def send_test(campaign: Campaign, *, user: Any) -> str:
    """Send the campaign to the editor's own address, with links that lead nowhere."""
    email = getattr(user, "email", "")
    if not email:
        raise CampaignNotSendable(gettext("Your account has no e-mail address to send a test to."))
    mail = compose(campaign)
    message = recipient_message(mail, Recipient(0, email, False, "test"), campaign.pk, None)
    prefix = gettext("[Test]")
    message.subject = f"{prefix} {message.subject}"
    message.metadata = {"gdpr_mail_campaign_test": str(campaign.pk)}  # type: ignore[attr-defined]
    get_adapter().send(message)
    log_action(campaign, CAMPAIGN_TEST_SEND, user=user)
    return email
