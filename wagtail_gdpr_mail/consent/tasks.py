"""The consent lifecycle's Celery tasks: expiry records, re-consent mail, notices."""

from __future__ import annotations

from datetime import datetime

from celery import shared_task

from .. import outbox
from ..mail import get_adapter
from ..models import InterestNotice, ReconsentRequest
from ..schedule import QUEUE_RECONSENT_MAIL, RECORD_EXPIRIES
from . import expiry, notice, reconsent


@shared_task(name=RECORD_EXPIRIES, acks_late=True, ignore_result=True)
def record_expiries() -> int:
    """Daily: one "expired" consent record per lapsed assignment, bounded per run."""
    return expiry.record_expiries()


@shared_task(name=QUEUE_RECONSENT_MAIL, acks_late=True, ignore_result=True)
def queue_reconsent_mail() -> int:
    """Daily: write and queue the re-consent mail of every due assignment."""
    return reconsent.queue_reconsent_mail().queued


def _compose_reconsent(row: ReconsentRequest, token: str) -> outbox.Composed:
    message, snapshot = get_adapter().build_reconsent(row, token)

    def keep_snapshot(sent: ReconsentRequest, sent_at: datetime) -> list[str]:
        # The mail exactly as sent (link redacted) becomes the renewal's evidence.
        sent.mail_snapshot = {**snapshot, "sent_at": sent_at.isoformat()}
        return ["mail_snapshot"]

    return message, keep_snapshot


@shared_task(name=ReconsentRequest.outbox_task, **outbox.SEND_TASK_OPTIONS)
def send_reconsent_mail(self, reconsent_id: int) -> str:
    """Send one re-consent mail, once; a fresh token per attempt (only its hash is kept)."""
    return outbox.deliver(
        self,
        ReconsentRequest,
        reconsent_id,
        compose=_compose_reconsent,
        wanted=reconsent.still_wanted,
        related=("assignment__contact", "assignment__purpose"),
    )


@shared_task(name=notice.QUEUE_NOTICES_TASK, acks_late=True, ignore_result=True)
def queue_interest_notices(purpose_id: int, batch: str) -> int:
    """Write one sending's notices (once per contact) and queue their mail."""
    return notice.queue_notices(purpose_id, batch)


def _compose_notice(row: InterestNotice, token: str) -> outbox.Composed:
    message, snapshot = get_adapter().build_notice(row, token)

    def record(sent: InterestNotice, sent_at: datetime) -> list[str]:
        sent.mail_snapshot = {**snapshot, "sent_at": sent_at.isoformat()}
        notice.record_sent(sent, sent.mail_snapshot, sent_at)
        return ["mail_snapshot"]

    return message, record


@shared_task(name=InterestNotice.outbox_task, **outbox.SEND_TASK_OPTIONS)
def send_interest_notice(self, notice_id: int) -> str:
    """Send one legitimate-interest notice, once, and record that it was sent."""
    return outbox.deliver(
        self,
        InterestNotice,
        notice_id,
        compose=_compose_notice,
        wanted=notice.still_wanted,
        related=("assignment__contact", "assignment__purpose"),
    )
