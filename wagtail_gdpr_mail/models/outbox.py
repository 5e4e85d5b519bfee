"""The outbox: the fields every mail-carrying row shares (see ``wagtail_gdpr_mail.outbox``)."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

from ..tokens import hash_token, lookup_hash, new_token


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


class LinkMessage(OutboxMessage):
    """An outbox row whose mail carries a link for this row alone: a random token,
    stored only as a hash, issued when the mail is sent."""

    #: What :meth:`find_by_token` loads with the row.
    token_related: tuple[str, ...] = ()

    token_hash = models.CharField(max_length=64, unique=True, null=True)

    class Meta:
        abstract = True

    @property
    def is_usable(self) -> bool:  # pragma: no cover - each link says when it works
        raise NotImplementedError

    def issue_token(self) -> str:
        token = new_token()
        self.token_hash = hash_token(token)
        self.save(update_fields=["token_hash"])
        return token

    @classmethod
    def find_by_token(cls, token: str | None):
        """The row of a link's token, or None (the token is looked up by its hash)."""
        token_hash = lookup_hash(token)
        if token_hash is None:
            return None
        rows = cls._default_manager.select_related(*cls.token_related)
        return rows.filter(token_hash=token_hash).first()

    @classmethod
    def find_usable(cls, token: str | None):
        """The row of a link that still works, or None."""
        row = cls.find_by_token(token)
        return row if row is not None and row.is_usable else None
