"""Self-service access: a visitor proves they own an address and manages their data."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contacts import Contact
from .signups import TOKEN_BYTES, hash_token


class AccessRequest(models.Model):
    """A "my data" request for a known contact; the outbox row of its link mail.

    The token is issued when the mail is sent and stored only as a hash; each
    send attempt issues a new one. Opening the link uses it up.
    """

    class MailStatus(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="access_requests")
    token_hash = models.CharField(max_length=64, unique=True, null=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    base_url = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=16, blank=True)
    mail_status = models.CharField(
        max_length=16, choices=MailStatus.choices, default=MailStatus.QUEUED, db_index=True
    )
    mail_attempts = models.PositiveIntegerField(default=0)
    mail_last_attempt_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = _("data access request")
        verbose_name_plural = _("data access requests")

    def __str__(self) -> str:
        return f"Access request #{self.pk}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(TOKEN_BYTES)
        self.token_hash = hash_token(token)
        self.save(update_fields=["token_hash"])
        return token
