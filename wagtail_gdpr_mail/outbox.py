"""Sending the mail that outbox rows carry: claim, attempt, back-off, give up, sweep.

Every mail the app sends belongs to a row that subclasses
:class:`~wagtail_gdpr_mail.models.outbox.OutboxMessage` (a pending signup's
confirmation, an access request's link). The row is written in the same
transaction as the change that calls for the mail; the send task is published
after commit. A task takes the row's pk, claims the row under a lock, counts
the attempt, composes and sends the mail, and marks the row sent. ESP and
network errors are retried with exponential backoff until
``WAGTAIL_GDPR_MAIL_MAIL_MAX_ATTEMPTS``; then the row is marked failed. If a
publish is lost (a crash between commit and publish, a broker outage),
:func:`sweep_unsent_mail` finds the row and queues it again.

Tasks are ``acks_late``: a worker killed mid-task leaves the message to be
delivered again. If it dies after the ESP accepted the mail but before the row
was marked sent, the mail goes out a second time (with a second token).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from smtplib import SMTPException
from typing import Any

from anymail.exceptions import AnymailError
from celery import current_app, shared_task
from django.apps import apps
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone

from .conf import app_settings
from .locking import write_transaction
from .mail import get_adapter
from .models.outbox import MailStatus, OutboxMessage
from .schedule import PURGE_EXPIRED_SIGNUPS, SWEEP_UNSENT_MAIL

logger = logging.getLogger(__name__)

#: Errors worth another try: the ESP or the network, not our data.
TRANSIENT_ERRORS = (AnymailError, SMTPException, OSError)

#: Options every send task is declared with.
SEND_TASK_OPTIONS: dict[str, Any] = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}

#: What a composer returns: the message, and a callback run on the row once the
#: ESP accepted it (it may set fields and returns their names, to be saved).
Composed = tuple[EmailMessage, Callable[[Any, datetime], list[str]] | None]


def outbox_models() -> list[type[OutboxMessage]]:
    return [m for m in apps.get_models() if issubclass(m, OutboxMessage)]


def retry_delay(retries: int) -> float:
    """Exponential backoff with jitter: base, 2×base, 4×base… capped at ten minutes."""
    delay = min(app_settings.MAIL_RETRY_BASE_SECONDS * (2**retries), 600.0)
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 - jitter, not security


def publish(task_name: str, *args: Any) -> bool:
    """Publish a task by its registered name; never fail the caller's request over it.
    False (and an error in the log) if the broker refused."""
    try:
        current_app.tasks[task_name].delay(*args)
    except Exception:  # noqa: BLE001 - any broker or eager-mode error
        logger.exception("Could not publish %s%r", task_name, args)
        return False
    return True


def queue(model: type[OutboxMessage], pk: int) -> None:
    """Publish the send task of one row; never fail the caller's request over it.

    If publishing fails, the row stays queued and the sweeper sends it later.
    """
    publish(model.outbox_task, pk)


def queue_after_commit(row: OutboxMessage) -> None:
    model, pk = type(row), row.pk
    transaction.on_commit(lambda: queue(model, pk))


def start_attempt(row: OutboxMessage) -> bool:
    """Count one more attempt at the row's mail (the row is locked), or mark it failed.

    Whatever failed before (an ESP outage, a broken template), a row that has
    used up its attempts stops here instead of being swept up again for ever.
    """
    if row.mail_attempts >= app_settings.MAIL_MAX_ATTEMPTS:
        row.mail_status = MailStatus.FAILED
        row.save(update_fields=["mail_status"])
        return False
    row.mail_attempts += 1
    row.mail_last_attempt_at = timezone.now()
    row.save(update_fields=["mail_attempts", "mail_last_attempt_at"])
    return True


def retry_or_give_up(task: Any, row: OutboxMessage, exc: Exception) -> str:
    """After an ESP error: retry with backoff, or mark the row failed after the last attempt."""
    label = f"{row._meta.model_name} #{row.pk}"
    if row.mail_attempts >= app_settings.MAIL_MAX_ATTEMPTS:
        type(row)._default_manager.filter(pk=row.pk).update(mail_status=MailStatus.FAILED)
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


def deliver(
    task: Any,
    model: type[OutboxMessage],
    pk: int,
    *,
    compose: Callable[[Any, str], Composed],
    wanted: Callable[[Any], bool] = lambda row: True,
    related: tuple[str, ...] = (),
) -> str:
    """Send the mail of one outbox row, once; the body of every send task.

    Claims the row under a lock, skips it when its mail was already handled or
    is no longer ``wanted``, counts the attempt and issues a fresh token (the
    row's ``issue_token()``; only its hash is stored), then composes and sends
    outside the transaction. Returns what happened, for logs and tests.
    """
    # The lock up front: on SQLite a read-then-write transaction cannot wait for
    # another writer (a submission committing at the same moment) and fails at once.
    with write_transaction():
        row = (
            model._default_manager.select_for_update(of=("self",))
            .select_related(*related)
            .filter(pk=pk)
            .first()
        )
        if row is None:
            return "gone"
        if row.mail_status != MailStatus.QUEUED:
            return row.mail_status
        if not wanted(row):
            return "not needed"
        if not start_attempt(row):
            return "failed"
        token = row.issue_token()

    message, after_sent = compose(row, token)
    message.metadata = {model.outbox_metadata_key: str(row.pk)}  # type: ignore[attr-defined]
    try:
        message_id = get_adapter().send(message)
    except TRANSIENT_ERRORS as exc:
        return retry_or_give_up(task, row, exc)

    now = timezone.now()
    row.mail_status, row.mail_sent_at, row.mail_message_id = MailStatus.SENT, now, message_id[:255]
    fields = ["mail_status", "mail_sent_at", "mail_message_id"]
    if after_sent is not None:
        fields += after_sent(row, now)
    row.save(update_fields=fields)
    return "sent"


def mark_failed(metadata: dict[str, Any] | None) -> int:
    """A permanent failure reported by the ESP: mark the row named in ``metadata`` failed."""
    marked = 0
    for model in outbox_models():
        pk = str((metadata or {}).get(model.outbox_metadata_key, ""))
        if pk.isdigit():
            marked += model._default_manager.filter(pk=int(pk)).update(
                mail_status=MailStatus.FAILED
            )
    return marked


def _stale(queryset: QuerySet, cutoff: datetime) -> QuerySet:
    return queryset.filter(
        Q(mail_last_attempt_at__isnull=True, created_at__lte=cutoff)
        | Q(mail_last_attempt_at__lte=cutoff)
    ).values_list("pk", flat=True)


@dataclass(frozen=True)
class WaitingMail:
    """Mail queued longer than ``UNSENT_MAIL_ALERT_MINUTES``: how many, since when."""

    count: int = 0
    oldest: datetime | None = None
    #: Rows per model name (``pendingsignup``, ``accessrequest``), for the log.
    by_model: tuple[tuple[str, int], ...] = ()


def mail_waiting_too_long(now: datetime | None = None) -> WaitingMail:
    """Mail still queued ``UNSENT_MAIL_ALERT_MINUTES`` after its row was written.

    Retries and the sweeper settle a passing ESP or broker hiccup well within that
    time; rows older than it mean that no worker sends the mail (none runs, or it
    listens to another broker) and visitors wait for a mail that does not come.
    """
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=app_settings.UNSENT_MAIL_ALERT_MINUTES)
    count, oldest, by_model = 0, None, []
    for model in outbox_models():
        found = (
            model.awaiting_mail(now)
            .filter(created_at__lte=cutoff)
            .aggregate(rows=Count("pk"), oldest=Min("created_at"))
        )
        if found["rows"]:
            count += found["rows"]
            by_model.append((model._meta.model_name, found["rows"]))
            oldest = found["oldest"] if oldest is None else min(oldest, found["oldest"])
    return WaitingMail(count, oldest, tuple(by_model))


def report_waiting_mail(now: datetime) -> WaitingMail:
    """Log an error (counts and ages only) when mail has waited too long to be sent."""
    waiting = mail_waiting_too_long(now)
    if waiting.count and waiting.oldest is not None:
        logger.error(
            "%s mail(s) to visitors (%s) have been queued for more than %s minutes, the "
            "oldest for %s minutes: no Celery worker seems to send them. Start a worker "
            "for the site's Celery app on the broker the site publishes to.",
            waiting.count,
            ", ".join(f"{name}: {rows}" for name, rows in waiting.by_model),
            app_settings.UNSENT_MAIL_ALERT_MINUTES,
            int((now - waiting.oldest).total_seconds() // 60),
        )
    return waiting


@shared_task(name=SWEEP_UNSENT_MAIL, ignore_result=True)
def sweep_unsent_mail() -> int:
    """Queue again every mail still not sent a few minutes after its last try, and
    report mail that has waited too long (see :func:`report_waiting_mail`)."""
    now = timezone.now()
    cutoff = now - timedelta(minutes=app_settings.SWEEP_AFTER_MINUTES)
    count = 0
    for model in outbox_models():
        for pk in _stale(model.awaiting_mail(now), cutoff):
            queue(model, pk)
            count += 1
    report_waiting_mail(now)
    return count


@shared_task(name=PURGE_EXPIRED_SIGNUPS, ignore_result=True)
def purge_expired_signups() -> int:
    """Delete outbox rows whose link expired (pending signups, access requests).

    Returns how many rows went (rows that cascade with them, such as tokens, not counted).
    """
    now = timezone.now()
    return sum(model.purge_expired(now) for model in outbox_models())
