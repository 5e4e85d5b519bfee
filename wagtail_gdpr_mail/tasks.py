"""Celery tasks: the confirmation mail, the outbox sweeper, the purge of stale signups.

Tasks take primary keys and re-read the row. They are idempotent, ``acks_late``
(a worker killed mid-task leaves the message to be delivered again) and retried
with exponential backoff on ESP errors. The ``PendingSignup`` row is the outbox:
if publishing the task is lost (a crash between commit and publish, a broker
outage), :func:`sweep_unsent_mail` finds the row and queues it again.

Run them periodically either from Celery beat (merge
``wagtail_gdpr_mail.schedule.BEAT_SCHEDULE`` into ``CELERY_BEAT_SCHEDULE``) or from cron with the management commands
``gdpr_mail_sweep`` and ``gdpr_mail_purge_signups``.
"""

from __future__ import annotations

import logging
import random
from smtplib import SMTPException

from anymail.exceptions import AnymailError
from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .conf import app_settings
from .mail import get_adapter
from .models.access import AccessRequest
from .models.signups import PendingSignup

logger = logging.getLogger(__name__)

#: Errors worth another try: the ESP or the network, not our data.
TRANSIENT_ERRORS = (AnymailError, SMTPException, OSError)


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base… capped at ten minutes."""
    delay = min(app_settings.MAIL_RETRY_BASE_SECONDS * (2**retries), 600.0)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def _start_attempt(row: PendingSignup | AccessRequest) -> bool:
    """Count one more attempt at the row's mail (the row is locked), or mark it failed.

    Whatever failed before (an ESP outage, a broken template), a row that has
    used up its attempts stops here instead of being swept up again for ever.
    """
    if row.mail_attempts >= app_settings.MAIL_MAX_ATTEMPTS:
        row.mail_status = row.MailStatus.FAILED
        row.save(update_fields=["mail_status"])
        return False
    row.mail_attempts += 1
    row.mail_last_attempt_at = timezone.now()
    row.save(update_fields=["mail_attempts", "mail_last_attempt_at"])
    return True


def _retry_or_give_up(task, row: PendingSignup | AccessRequest, exc: Exception) -> str:
    """After an ESP error: retry with backoff, or mark the row failed after the last attempt."""
    label = f"{row._meta.model_name} #{row.pk}"
    if row.mail_attempts >= app_settings.MAIL_MAX_ATTEMPTS:
        type(row).objects.filter(pk=row.pk).update(mail_status=row.MailStatus.FAILED)
        logger.error(
            "Mail of %s failed %s times; giving up (%s).",
            label,
            row.mail_attempts,
            type(exc).__name__,
        )
        return "failed"
    logger.warning("Mail of %s: %s; retrying.", label, type(exc).__name__)
    raise task.retry(
        exc=exc, countdown=retry_delay(task.request.retries), max_retries=None
    ) from exc


def queue_confirmation_mail(signup_id: int) -> None:
    """Publish the send task; never fail the visitor's request over it.

    If publishing fails, the row stays queued and the sweeper sends it later.
    """
    try:
        send_confirmation_mail.delay(signup_id)
    except Exception:  # noqa: BLE001 - any broker or eager-mode error: the sweeper retries
        logger.exception("Could not queue the confirmation mail of signup #%s", signup_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_confirmation_mail(self, signup_id: int) -> str:
    """Send the double opt-in mail of one signup, once.

    Each attempt issues a fresh token (only its hash is stored). If a worker
    dies after the ESP accepted the mail but before the row was marked sent,
    the message is delivered again and the visitor gets a second mail with a
    second link; both links confirm, and the signup confirms once.
    """
    with transaction.atomic():
        signup = (
            PendingSignup.objects.select_for_update(of=("self",))
            .select_related("page")
            .filter(pk=signup_id)
            .first()
        )
        if signup is None:
            return "gone"
        if signup.mail_status != PendingSignup.MailStatus.QUEUED:
            return signup.mail_status
        if signup.confirmed_at is not None or signup.is_expired:
            return "not needed"
        if not _start_attempt(signup):
            return "failed"
        token = signup.issue_token()

    adapter = get_adapter()
    message, snapshot = adapter.build_confirmation(signup, token)
    try:
        message_id = adapter.send(message)
    except TRANSIENT_ERRORS as exc:
        return _retry_or_give_up(self, signup, exc)

    snapshot["sent_at"] = timezone.now().isoformat()
    signup.mail_snapshot = snapshot
    signup.mail_status = PendingSignup.MailStatus.SENT
    signup.mail_sent_at = timezone.now()
    signup.mail_message_id = message_id[:255]
    signup.save(update_fields=["mail_snapshot", "mail_status", "mail_sent_at", "mail_message_id"])
    return "sent"


def queue_access_mail(access_id: int) -> None:
    """Publish the "my data" mail task; the sweeper covers a failed publish."""
    try:
        send_access_mail.delay(access_id)
    except Exception:  # noqa: BLE001
        logger.exception("Could not queue the access mail of request #%s", access_id)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def send_access_mail(self, access_id: int) -> str:
    """Send the one-time "manage your data" link; a new token per attempt."""
    with transaction.atomic():
        access = (
            AccessRequest.objects.select_for_update()
            .select_related("contact")
            .filter(pk=access_id)
            .first()
        )
        if access is None:
            return "gone"
        if access.mail_status != AccessRequest.MailStatus.QUEUED:
            return access.mail_status
        if not access.is_usable or not access.contact.email:
            return "not needed"
        if not _start_attempt(access):
            return "failed"
        token = access.issue_token()
    adapter = get_adapter()
    try:
        adapter.send(adapter.build_access_mail(access, token))
    except TRANSIENT_ERRORS as exc:
        return _retry_or_give_up(self, access, exc)
    AccessRequest.objects.filter(pk=access.pk).update(mail_status=AccessRequest.MailStatus.SENT)
    return "sent"


def _stale(queryset, cutoff):
    return queryset.filter(
        Q(mail_last_attempt_at__isnull=True, created_at__lte=cutoff)
        | Q(mail_last_attempt_at__lte=cutoff)
    ).values_list("pk", flat=True)


@shared_task(ignore_result=True)
def sweep_unsent_mail() -> int:
    """Queue again every mail (confirmation, "my data" link) still not sent a few
    minutes after its last try."""
    now = timezone.now()
    cutoff = now - timezone.timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES)
    signups = PendingSignup.objects.awaiting_confirmation().filter(
        mail_status=PendingSignup.MailStatus.QUEUED
    )
    accesses = AccessRequest.objects.filter(
        mail_status=AccessRequest.MailStatus.QUEUED, used_at__isnull=True, expires_at__gt=now
    )
    count = 0
    for signup_id in _stale(signups, cutoff):
        queue_confirmation_mail(signup_id)
        count += 1
    for access_id in _stale(accesses, cutoff):
        queue_access_mail(access_id)
        count += 1
    return count


@shared_task(ignore_result=True)
def purge_expired_signups() -> int:
    """Delete signups whose link expired: confirmed or not, they are no longer needed."""
    now = timezone.now()
    _, per_model = PendingSignup.objects.filter(expires_at__lte=now).delete()
    AccessRequest.objects.filter(expires_at__lte=now).delete()
    return per_model.get(PendingSignup._meta.label, 0)
