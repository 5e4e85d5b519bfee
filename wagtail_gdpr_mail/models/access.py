"""Self-service access: a visitor proves they own an address and manages their data."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .contacts import Contact
from .outbox import LinkMessage


class AccessRequest(LinkMessage):
    """A "my data" request for a known contact; the outbox row of its link mail.

    The token is issued when the mail is sent and stored only as a hash; each
    send attempt issues a new one. Opening the link uses it up.
    """

    outbox_task = "wagtail_gdpr_mail.tasks.send_access_mail"
    outbox_metadata_key = "gdpr_mail_access"
    token_related = ("contact",)

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="access_requests")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True)
    base_url = models.CharField(max_length=255, blank=True)
    language = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = _("data access request")
        verbose_name_plural = _("data access requests")

    def __str__(self) -> str:
        return f"Access request #{self.pk}"

    @property
    def is_usable(self) -> bool:
        return self.used_at is None and self.expires_at > timezone.now()

    @classmethod
    def awaiting_mail(cls, now: datetime) -> models.QuerySet:
        return cls.objects.filter(
            mail_status=cls.MailStatus.QUEUED, used_at__isnull=True, expires_at__gt=now
        )

    @classmethod
    def purge_expired(cls, now: datetime) -> int:
        _, per_model = cls.objects.filter(expires_at__lte=now).delete()
        return per_model.get(cls._meta.label, 0)
