"""The outbox: the fields every mail-carrying row shares (see ``wagtail_gdpr_mail.outbox``)."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboxMessage(models.Model):
    """A row that carries one mail: its status, attempts and what the ESP answered.

    The row is the outbox: it is written in the same transaction as the change
    that calls for the mail, and :mod:`wagtail_gdpr_mail.outbox` sends it, counts
    attempts, backs off, gives up and sweeps up rows whose task was lost.
    Subclasses name their send task and say which rows still need their mail.
    """

    MailStatus = MailStatus

    #: The Celery task (by its registered name) that sends one row's mail, given its pk.
    outbox_task: str = ""
    #: The key of the Anymail ``metadata`` that carries the row's pk to the ESP and back.
    outbox_metadata_key: str = ""

    mail_status = models.CharField(
        max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED, db_index=True
    )
    mail_attempts = models.PositiveIntegerField(default=0)
    mail_last_attempt_at = models.DateTimeField(null=True)
    mail_sent_at = models.DateTimeField(null=True)
    mail_message_id = models.CharField(max_length=255, blank=True)

    class Meta:
        abstract = True

    @classmethod
    def awaiting_mail(cls, now: datetime) -> models.QuerySet:
        """Rows whose mail is queued and still wanted (not expired, not used up)."""
        return cls._default_manager.filter(mail_status=MailStatus.QUEUED)

    @classmethod
    def purge_expired(cls, now: datetime) -> int:
        """Delete rows no longer needed; returns how many. Default: keep everything."""
        return 0
